using StreamPipeline.Application.Evaluation;
using StreamPipeline.Application.Training;
using StreamPipeline.Data.Constructions;
using StreamPipeline.Models;
using StreamPipeline.Tests.Shared;
using TorchSharp;

namespace StreamPipeline.Application.Tests.Evaluation;

/// <summary>
/// The services behind the experiment's figures, on real Fashion-MNIST and real checkpoints: transfer (Figure 3) and the
/// robustness sweep (Figure 2, right) agree with what they are built from.
/// </summary>
public sealed class FigureServicesTests : IDisposable
{
    private const string Train = "fashion-mnist:train";
    private const string Test = "fashion-mnist:test";
    private const int TestImages = 160;
    private readonly TempDirectory _dir = new();

    static FigureServicesTests() => torch.set_num_threads(1);

    public void Dispose() => _dir.Dispose();

    [FashionMnistFact]
    public void A_target_that_is_the_source_itself_is_fooled_exactly_as_often_as_the_source_over_every_test_image()
    {
        var source = TrainMlp("source.pt", seed: 0);
        var other = TrainMlp("other.pt", seed: 1);
        var settings = new ConstructionSettings(ConstructionKind.Det, new AttackSettings(ThreatModel.L2, Eps: 2.0, StepSize: 0.5, Steps: 8), Seed: 0);
        var reports = new List<(long Done, long Total)>();

        var report = TransferService.Run(
            new TransferRequest(source, [new("self", source), new("other", other)], Test, settings, 64, null, TestImages, "cpu"),
            _ => { }, new Recorder(reports), CancellationToken.None);

        Assert.Equal(TestImages, report.Examples);
        Assert.Equal(["self", "other"], report.Targets.Select(t => t.Name));
        Assert.InRange(report.SourceSuccess, 0.05, 1.0);
        Assert.Equal(report.SourceSuccess, report.Targets[0].TransferSuccess);
        Assert.Equal(1.0, report.Targets[0].TransferSuccessWhereSourceFooled);
        Assert.InRange(report.Targets[1].TransferSuccess, 0.0, report.SourceSuccess);
        Assert.Equal((TestImages, TestImages), reports[^1]);
    }

    [FashionMnistFact]
    public void The_sweep_at_eps_0_is_the_evaluated_accuracy_and_a_larger_eps_never_leaves_more_correct()
    {
        var model = TrainMlp("model.pt", seed: 0);
        var attack = new AttackSettings(ThreatModel.L2, Eps: 1.0, StepSize: 0.25, Steps: 5, RandomStart: true, KeepBest: true, Targeted: false);

        var sweep = RobustnessSweepService.Run(
            new RobustnessSweepRequest(model, Test, attack, [0, 0.5, 3.0], 64, Seed: 0, null, TestImages, "cpu"), _ => { }, CancellationToken.None);
        var evaluated = EvaluateService.Run(
            new EvaluateRequest(model, Test, Attack: null, 64, Seed: 0, null, TestImages, "cpu"), _ => { }, null, CancellationToken.None);

        Assert.Equal(TestImages, sweep.Examples);
        Assert.Equal([0, 0.5, 3.0], sweep.Points.Select(p => p.Eps));
        Assert.Equal(evaluated.Accuracy, sweep.Points[0].RobustAccuracy);
        Assert.True(sweep.Points[0].RobustAccuracy > 0.5, $"the trained MLP should beat chance clearly, got {sweep.Points[0].RobustAccuracy}");
        Assert.True(sweep.Points[2].RobustAccuracy < sweep.Points[0].RobustAccuracy, "an L2 attack of radius 3 should fool some examples");
    }

    [Fact]
    public void Transfer_refuses_an_attack_that_is_not_d_dets_before_loading_anything()
    {
        var rand = new ConstructionSettings(ConstructionKind.Rand, new AttackSettings(ThreatModel.L2, 1.0, 0.25, 4), Seed: 0);
        var request = new TransferRequest("missing.pt", [new("t", "missing.pt")], Test, rand, 64, null, 10, "cpu");

        var error = Assert.Throws<ArgumentException>(() => TransferService.Run(request, _ => { }, null, CancellationToken.None));

        Assert.Contains("D_det's attack", error.Message);
    }

    private string TrainMlp(string name, int seed)
    {
        var path = _dir.File(name);
        TrainService.Run(new TrainRequest(Train, "mlp", path, new TrainingSettings(Epochs: 1, BatchSize: 64, Seed: seed), null, null, null, 1000, "cpu"),
            _ => { }, null, CancellationToken.None);
        return path;
    }

    // Synchronous, so every report has arrived when Run returns.
    private sealed class Recorder(List<(long Done, long Total)> into) : IProgress<(long Done, long Total)>
    {
        public void Report((long Done, long Total) value) => into.Add(value);
    }
}
