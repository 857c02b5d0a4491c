using StreamPipeline.Data;
using StreamPipeline.Models;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace StreamPipeline.Attacks.Tests;

public sealed class TransferEvaluationTests : TorchTest
{
    private const int Classes = 5;
    private static readonly ImageShape Shape = new(1, 8, 8);
    private static readonly Device Cpu = torch.CPU;
    private readonly ITestOutputHelper _output;

    public TransferEvaluationTests(ITestOutputHelper output)
    {
        _output = output;
    }

    // A budget that fools a trained tiny MLP on some examples but not all, so equalities below are not 0 = 0 or 1 = 1.
    private static ConstructionSettings Det(float eps = 1.3f) =>
        new(ConstructionKind.Det, new AttackSettings(ThreatModel.L2, Eps: eps, StepSize: eps / 4, Steps: 10), Seed: 3);

    private static (SyntheticDataset Data, TinyMlp Model) Trained(int seed, int count = 120)
    {
        var images = new SyntheticImages(Shape, Classes, count, seed: 21, noise: 0.3f);
        var model = new TinyMlp(Shape, Classes, hiddenUnits: 24, seed: (ulong)seed);
        var accuracy = model.Train(images, steps: 150, batchSize: 32);
        Assert.True(accuracy > 0.9f, $"the tiny MLP should learn the toy data, accuracy {accuracy}");
        return (new SyntheticDataset(images, Classes), model);
    }

    [Fact]
    public void Transfer_of_a_model_onto_itself_equals_its_own_success()
    {
        using var scope = NewDisposeScope();
        var (data, model) = Trained(seed: 1);

        var report = TransferEvaluation.Run(model, [new TransferTarget("self", model)], data, Det(), Cpu, batchSize: 32);

        _output.WriteLine($"source success {report.SourceSuccess:P1} over {report.Examples} examples");
        Assert.Equal(120, report.Examples);
        Assert.InRange(report.SourceSuccess, 0.05, 0.95);
        var self = Assert.Single(report.Targets);
        Assert.Equal("self", self.Name);
        Assert.Equal("tiny-mlp", self.Architecture);
        Assert.Equal(report.SourceSuccess, self.TransferSuccess);
        Assert.Equal(1.0, self.TransferSuccessWhereSourceFooled);
        Assert.True(self.CleanAccuracy > 0.9, $"clean accuracy {self.CleanAccuracy}");
    }

    [Fact]
    public void A_constant_model_scores_exactly_the_share_of_examples_whose_label_or_target_is_its_class()
    {
        using var scope = NewDisposeScope();
        var (data, source) = Trained(seed: 2);
        var labels = data.ReadRange(0, (int)data.Count).Labels;
        var targets = Enumerable.Range(0, Classes).Select(k => new TransferTarget($"always-{k}", new ConstantModel(Shape, Classes, k))).ToList();

        var report = TransferEvaluation.Run(source, targets, data, Det(), Cpu, batchSize: 50);

        for (var k = 0; k < Classes; k++)
        {
            var outcome = report.Targets[k];
            Assert.Equal($"always-{k}", outcome.Name);
            // Predicting k is right on the examples labelled k, and "transfers" exactly where t = (y + 1) mod C = k.
            Assert.Equal(labels.Count(y => y == k) / (double)labels.Length, outcome.CleanAccuracy);
            Assert.Equal(labels.Count(y => (y + 1) % Classes == k) / (double)labels.Length, outcome.TransferSuccess);
        }
        // Over the five constant models every target is hit exactly once.
        Assert.Equal(1.0, report.Targets.Sum(t => t.TransferSuccess), 12);
        Assert.Equal(1.0, report.Targets.Sum(t => t.TransferSuccessWhereSourceFooled), 12);
    }

    [Fact]
    public void Constant_models_transfer_0_or_1_when_every_example_has_the_same_target()
    {
        using var scope = NewDisposeScope();
        var (data, source) = Trained(seed: 4);
        var sameClass = new OneClassDataset(data, label: 2);

        var report = TransferEvaluation.Run(
            source, [new("hits", new ConstantModel(Shape, Classes, 3)), new("misses", new ConstantModel(Shape, Classes, 2))], sameClass, Det(eps: 3f), Cpu);

        Assert.Equal(1.0, report.Targets[0].TransferSuccess);
        Assert.Equal(0.0, report.Targets[0].CleanAccuracy);
        Assert.Equal(0.0, report.Targets[1].TransferSuccess);
        Assert.Equal(1.0, report.Targets[1].CleanAccuracy);
        Assert.True(report.SourceSuccess > 0, "eps 3 should fool the source on some examples");
        Assert.Equal(1.0, report.Targets[0].TransferSuccessWhereSourceFooled);
        Assert.Equal(0.0, report.Targets[1].TransferSuccessWhereSourceFooled);
    }

    [Fact]
    public void The_report_does_not_depend_on_the_batch_size()
    {
        using var scope = NewDisposeScope();
        var (data, source) = Trained(seed: 5);
        var (_, other) = Trained(seed: 6);
        TransferTarget[] targets = [new("other", other), new("self", source)];

        var inOnes = TransferEvaluation.Run(source, targets, data, Det(), Cpu, batchSize: 1);
        var inSevens = TransferEvaluation.Run(source, targets, data, Det(), Cpu, batchSize: 7);
        var inOne = TransferEvaluation.Run(source, targets, data, Det(), Cpu, batchSize: 500);

        _output.WriteLine($"source {inOne.SourceSuccess:P1}; onto another tiny MLP {inOne.Targets[0].TransferSuccess:P1} " +
                          $"({inOne.Targets[0].TransferSuccessWhereSourceFooled:P1} of the examples that fooled the source)");
        Assert.Equal(inOne, inSevens with { Targets = inOne.Targets }); // counts and source success
        Assert.Equal(inOne.Targets, inSevens.Targets);
        Assert.Equal(inOne.Targets, inOnes.Targets);
        Assert.Equal(inOne.SourceSuccess, inOnes.SourceSuccess);
    }

    [Fact]
    public void Progress_reports_the_examples_done_after_each_batch()
    {
        using var scope = NewDisposeScope();
        var (data, source) = Trained(seed: 7, count: 25);
        var reports = new List<long>();

        TransferEvaluation.Run(source, [], data, Det(), Cpu, batchSize: 10, progress: new SyncProgress(reports.Add));

        Assert.Equal(new long[] { 10, 20, 25 }, reports);
    }

    [Fact]
    public void Targets_that_do_not_fit_the_data_or_share_a_name_are_refused_naming_them()
    {
        using var scope = NewDisposeScope();
        var (data, source) = Trained(seed: 8, count: 10);

        var wrongClasses = Assert.Throws<ArgumentException>(() => TransferEvaluation.Run(
            source, [new("ten-classes", new ConstantModel(Shape, 10, 0))], data, Det(), Cpu));
        Assert.Contains("'ten-classes'", wrongClasses.Message);
        Assert.Contains("10 classes", wrongClasses.Message);

        var twice = Assert.Throws<ArgumentException>(() => TransferEvaluation.Run(
            source, [new("a", source), new("a", source)], data, Det(), Cpu));
        Assert.Contains("'a' is given 2 times", twice.Message);

        var notDet = Assert.Throws<ArgumentException>(() => TransferEvaluation.Run(
            source, [], data, Det() with { Kind = ConstructionKind.Rand }, Cpu));
        Assert.Contains("Det", notDet.Message);
    }

    /// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }

    /// <summary>The same images, all relabelled with one class.</summary>
    private sealed class OneClassDataset(IImageDataset inner, int label) : IImageDataset
    {
        public string Reference => inner.Reference + ":one-class";

        public ImageShape Shape => inner.Shape;

        public int Classes => inner.Classes;

        public long Count => inner.Count;

        public ImageBatch ReadRange(long start, int count)
        {
            var batch = inner.ReadRange(start, count);
            return batch with { Labels = Enumerable.Repeat(label, batch.Count).ToArray() };
        }

        public void Dispose() { }
    }
}
