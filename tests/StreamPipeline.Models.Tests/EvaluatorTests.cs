using TorchSharp;
using static TorchSharp.torch;

namespace StreamPipeline.Models.Tests;

public sealed class EvaluatorTests
{
    public EvaluatorTests() => TorchTestEnvironment.Ensure();

    [Fact]
    public void Robust_accuracy_is_the_accuracy_on_the_attack_output()
    {
        using var data = QuadrantImages.Create(300, seed: 12);
        manual_seed(3);
        using var model = ModelFactory.Create("small-cnn", QuadrantImages.Shape, QuadrantImages.Classes);
        Trainer.Train(model, data, new TrainingSettings(Epochs: 1, BatchSize: 32, LearningRate: 3e-3), CPU);

        var identity = Evaluator.Evaluate(model, data, CPU, batchSize: 50, attack: (m, x, y) => x.clone());
        Assert.Equal(identity.Accuracy, identity.RobustAccuracy);

        // Every blank image gets the same prediction k, so robust accuracy is the share of labels equal to k.
        long k;
        using (NewDisposeScope())
        using (no_grad())
            k = model.forward(zeros(1, 1, 8, 8)).argmax(1).item<long>();
        var blank = Evaluator.Evaluate(model, data, CPU, batchSize: 64, attack: (m, x, y) => zeros_like(x));
        Assert.Equal(data.Labels.Count(l => l == k) / 300.0, blank.RobustAccuracy!.Value, 12);
        Assert.Equal(identity.Accuracy, blank.Accuracy);
    }

    [Fact]
    public void Evaluator_reports_progress_ending_with_the_totals()
    {
        using var data = QuadrantImages.Create(130, seed: 13);
        manual_seed(3);
        using var model = ModelFactory.Create("small-cnn", QuadrantImages.Shape, QuadrantImages.Classes);
        var progress = new RecordingProgress<EvaluationProgress>();

        var result = Evaluator.Evaluate(model, data, CPU, batchSize: 16, progress: progress);

        var last = progress.Reports[^1];
        Assert.Equal(130, last.ExamplesDone);
        Assert.Equal(130, last.ExamplesTotal);
        Assert.Equal(result.Accuracy, last.Accuracy);
        Assert.Null(last.RobustAccuracy);
    }

    [Fact]
    public void Evaluator_rejects_labels_outside_the_class_range_naming_the_example()
    {
        var pixels = new float[3 * 64];
        using var data = new InMemoryImageDataset("broken", QuadrantImages.Shape, 4, pixels, [0, 4, 1]);
        using var model = ModelFactory.Create("small-cnn", QuadrantImages.Shape, 4);

        var e = Assert.Throws<Data.DataFormatException>(() => Evaluator.Evaluate(model, data, CPU));
        Assert.Contains("broken: example 1 has label 4", e.Message);
    }
}
