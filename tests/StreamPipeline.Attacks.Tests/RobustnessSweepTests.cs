using StreamPipeline.Data;
using StreamPipeline.Models;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace StreamPipeline.Attacks.Tests;

public sealed class RobustnessSweepTests : TorchTest
{
    private const int Classes = 5;
    private static readonly ImageShape Shape = new(1, 8, 8);
    private static readonly Device Cpu = torch.CPU;
    private readonly ITestOutputHelper _output;

    public RobustnessSweepTests(ITestOutputHelper output)
    {
        _output = output;
    }

    // The experiment's evaluation attack shape: random start, best iterate, step 2.5·eps/steps.
    private static readonly AttackSettings Pgd =
        new(ThreatModel.L2, Eps: 1f, StepSize: 0.25f, Steps: 10, RandomStart: true, KeepBest: true, Targeted: false);

    private static (SyntheticDataset Data, TinyMlp Model) Trained(int seed)
    {
        var images = new SyntheticImages(Shape, Classes, count: 100, seed: 31, noise: 0.3f);
        var model = new TinyMlp(Shape, Classes, hiddenUnits: 24, seed: (ulong)seed);
        var accuracy = model.Train(images, steps: 150, batchSize: 32);
        Assert.True(accuracy > 0.9f, $"the tiny MLP should learn the toy data, accuracy {accuracy}");
        return (new SyntheticDataset(images, Classes), model);
    }

    [Theory]
    [InlineData(ThreatModel.L2, 1)]
    [InlineData(ThreatModel.L2, 2)]
    [InlineData(ThreatModel.Linf, 3)]
    public void Robust_accuracy_does_not_increase_with_eps_for_the_same_seed(ThreatModel norm, int seed)
    {
        using var scope = NewDisposeScope();
        var (data, model) = Trained(seed);
        double[] eps = norm == ThreatModel.L2 ? [0, 0.5, 1, 1.25, 1.5, 2.5] : [0, 0.05, 0.1, 0.15, 0.2, 0.3];

        var sweep = RobustnessSweep.Run(model, data, Pgd with { Norm = norm }, eps, seed: 9, Cpu, batchSize: 32);

        _output.WriteLine($"{norm}, model seed {seed}: " + string.Join(", ", sweep.Points.Select(p => $"eps {p.Eps}: {p.RobustAccuracy:P0}")));
        Assert.Equal(eps, sweep.Points.Select(p => p.Eps));
        Assert.Equal(100, sweep.Examples);
        Assert.Equal(sweep.CleanAccuracy, sweep.Points[0].RobustAccuracy);
        for (var i = 1; i < eps.Length; i++)
            Assert.True(sweep.Points[i].RobustAccuracy <= sweep.Points[i - 1].RobustAccuracy,
                $"robust accuracy rose from {sweep.Points[i - 1].RobustAccuracy} at eps {eps[i - 1]} to {sweep.Points[i].RobustAccuracy} at eps {eps[i]}");
        // The sweep spans the interesting range: the attack does nothing much at first and wins at the end.
        Assert.True(sweep.Points[^1].RobustAccuracy < sweep.CleanAccuracy / 2, $"largest eps left {sweep.Points[^1].RobustAccuracy}");
    }

    [Fact]
    public void Each_point_is_the_evaluator_under_untargeted_PGD_with_the_step_scaled_to_its_eps()
    {
        using var scope = NewDisposeScope();
        var (data, model) = Trained(seed: 4);

        var sweep = RobustnessSweep.Run(model, data, Pgd, [1.25, 0, 1.25], seed: 9, Cpu, batchSize: 32);

        var direct = Evaluator.Evaluate(model, data, Cpu, 32, Adversary.Untargeted(Pgd with { Eps = 1.25f, StepSize = 0.3125f }, seed: 9));
        var unscaled = Evaluator.Evaluate(model, data, Cpu, 32, Adversary.Untargeted(Pgd with { Eps = 1.25f }, seed: 9));
        _output.WriteLine($"eps 1.25: step 0.3125 → {direct.RobustAccuracy:P0}, unscaled step 0.25 → {unscaled.RobustAccuracy:P0}");
        // Unscaled steps give another number here, so the equalities below tell a scaled sweep from an unscaled one.
        Assert.NotEqual(unscaled.RobustAccuracy, direct.RobustAccuracy);
        Assert.Equal([1.25, 0, 1.25], sweep.Points.Select(p => p.Eps));
        Assert.Equal(direct.RobustAccuracy, sweep.Points[0].RobustAccuracy);
        Assert.Equal(direct.RobustAccuracy, sweep.Points[2].RobustAccuracy);
        Assert.Equal(direct.Accuracy, sweep.Points[1].RobustAccuracy);
        Assert.Equal(direct.Accuracy, sweep.CleanAccuracy);
    }

    [Fact]
    public void A_sweep_of_eps_0_alone_is_the_clean_accuracy()
    {
        using var scope = NewDisposeScope();
        var (data, model) = Trained(seed: 5);

        var sweep = RobustnessSweep.Run(model, data, Pgd, [0], seed: 9, Cpu);

        Assert.Equal(Evaluator.Evaluate(model, data, Cpu).Accuracy, Assert.Single(sweep.Points).RobustAccuracy);
    }

    [Fact]
    public void Negative_eps_an_empty_list_and_an_unbounded_norm_are_refused()
    {
        using var scope = NewDisposeScope();
        var data = new SyntheticDataset(new SyntheticImages(Shape, Classes, 10, seed: 1), Classes);
        var model = new TinyMlp(Shape, Classes, hiddenUnits: 4, seed: 1);

        Assert.Contains("got -0.5", Assert.Throws<ArgumentException>(() => RobustnessSweep.Run(model, data, Pgd, [0, -0.5], 1, Cpu)).Message);
        Assert.Contains("at least one eps", Assert.Throws<ArgumentException>(() => RobustnessSweep.Run(model, data, Pgd, [], 1, Cpu)).Message);
        Assert.Contains("l2-unbounded", Assert.Throws<ArgumentException>(
            () => RobustnessSweep.Run(model, data, Pgd with { Norm = ThreatModel.L2Unbounded }, [1], 1, Cpu)).Message);
    }
}
