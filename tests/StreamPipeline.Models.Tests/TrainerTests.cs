using TorchSharp;
using static TorchSharp.torch;

namespace StreamPipeline.Models.Tests;

public sealed class TrainerTests
{
    // Small chunks so that one epoch crosses several chunks, the last one partial, and batches span chunk boundaries.
    private static readonly TrainingSettings Settings = new(Epochs: 2, BatchSize: 32, LearningRate: 3e-3, Seed: 3, ChunkSize: 300);

    public TrainerTests() => TorchTestEnvironment.Ensure();

    private static ClassifierModel NewModel(int seed = 7)
    {
        manual_seed(seed);
        return ModelFactory.Create("small-cnn", QuadrantImages.Shape, QuadrantImages.Classes);
    }

    [Fact]
    public void Trainer_learns_the_quadrant_problem_above_90_percent_and_the_evaluator_agrees_with_a_direct_count()
    {
        using var train = QuadrantImages.Create(800, seed: 1, "quadrants:train");
        using var test = QuadrantImages.Create(400, seed: 2, "quadrants:test");
        using var model = NewModel();
        var progress = new RecordingProgress<TrainProgress>();

        var result = Trainer.Train(model, train, Settings, CPU, progress: progress);

        Assert.Equal(2, result.Epochs);
        Assert.Equal(1600, result.ExamplesSeen);
        Assert.True(result.FinalAccuracy > 0.9, $"training accuracy {result.FinalAccuracy}");
        Assert.False(model.training);
        Assert.True(train.LargestRead <= Settings.ChunkSize, $"read {train.LargestRead} examples at once");
        Assert.Equal(6, train.Reads); // 3 chunks per epoch

        var last = progress.Reports[^1];
        Assert.Equal(new TrainProgress(2, 2, 800, 800, result.FinalLoss, result.FinalAccuracy, last.Elapsed), last);
        Assert.Contains(progress.Reports, r => r.Epoch == 1 && r.ExamplesDone == 800);

        var evaluation = Evaluator.Evaluate(model, test, CPU, batchSize: 64);
        Assert.Equal(400, evaluation.Examples);
        Assert.Null(evaluation.RobustAccuracy);
        Assert.True(evaluation.Accuracy > 0.9, $"test accuracy {evaluation.Accuracy}");
        Assert.Equal(DirectAccuracy(model, test), evaluation.Accuracy);
    }

    [Fact]
    public void Training_twice_with_the_same_seed_gives_identical_weights()
    {
        using var data = QuadrantImages.Create(300, seed: 4);
        using var first = NewModel();
        using var second = NewModel();
        var settings = Settings with { Epochs = 1, ChunkSize = 128 };

        Trainer.Train(first, data, settings, CPU);
        Trainer.Train(second, data, settings, CPU);

        foreach (var ((name, a), (_, b)) in first.state_dict().Zip(second.state_dict()))
            Assert.True(a.Equals(b), $"{name} differs between two identically seeded runs");
        using var third = NewModel();
        Trainer.Train(third, data, settings with { Seed = 4 }, CPU);
        Assert.Contains(first.state_dict().Zip(third.state_dict()), pair => !pair.First.Value.Equals(pair.Second.Value));
    }

    [Fact]
    public void Training_and_evaluating_leave_no_tensors_alive_on_the_thread()
    {
        using var data = QuadrantImages.Create(200, seed: 5);
        using var model = NewModel();
        ExamplePerturber noise = (m, x, y) => (x + 0.01f * randn_like(x)).clamp(0, 1);
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        Trainer.Train(model, data, Settings with { Epochs = 1 }, CPU, adversary: noise);
        Trainer.Train(model, data, Settings with { Epochs = 1, Optimizer = OptimizerKind.SgdMomentum, WeightDecay = 5e-4 }, CPU);
        Evaluator.Evaluate(model, data, CPU, batchSize: 64, attack: noise);

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Adversarial_training_trains_on_the_perturbed_examples_only_and_restores_train_mode_after_each()
    {
        using var data = QuadrantImages.Create(400, seed: 6);
        using var model = NewModel();
        var perturbed = 0L;
        var alwaysInTrainMode = true;
        // Blank images carry no signal: a model trained only on them cannot beat guessing one class.
        ExamplePerturber blank = (m, x, y) =>
        {
            alwaysInTrainMode &= m.training;
            m.eval(); // as a PGD attack does
            perturbed += x.shape[0];
            return zeros_like(x);
        };

        Trainer.Train(model, data, Settings, CPU, adversary: blank);

        Assert.Equal(2 * 400, perturbed);
        Assert.True(alwaysInTrainMode, "the trainer did not switch the model back to train mode after the perturber");
        var majority = data.Labels.GroupBy(l => l).Max(g => g.Count()) / 400.0;
        Assert.True(Evaluator.Evaluate(model, data, CPU).Accuracy <= majority + 1e-9);
    }

    [Fact]
    public void Trainer_stops_with_OperationCanceled_when_cancelled_and_leaves_the_model_in_eval_mode()
    {
        using var data = QuadrantImages.Create(100, seed: 8);
        using var model = NewModel();
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => Trainer.Train(model, data, Settings, CPU, ct: cts.Token));
        Assert.False(model.training);
    }

    [Fact]
    public void Trainer_refuses_a_dataset_whose_shape_does_not_fit_the_model()
    {
        using var data = QuadrantImages.Create(10, seed: 9);
        manual_seed(1);
        using var model = ModelFactory.Create("small-cnn", new Data.ImageShape(1, 28, 28), 4);

        var e = Assert.Throws<ArgumentException>(() => Trainer.Train(model, data, Settings, CPU));
        Assert.Contains("model expects 1x28x28 images, dataset has 1x8x8", e.Message);
    }

    [Theory]
    [InlineData(0, 128, 1e-3)]
    [InlineData(1, 0, 1e-3)]
    [InlineData(1, 128, 0)]
    [InlineData(1, 128, double.NaN)]
    public void TrainingSettings_validation_rejects_nonsense(int epochs, int batchSize, double learningRate)
    {
        Assert.Throws<ArgumentException>(() => new TrainingSettings(epochs, batchSize, learningRate).Validate());
    }

    private static double DirectAccuracy(ClassifierModel model, InMemoryImageDataset data)
    {
        using var scope = NewDisposeScope();
        var batch = data.ReadRange(0, (int)data.Count);
        using (no_grad())
        {
            var x = tensor(batch.Pixels, [batch.Count, 1, 8, 8]);
            var y = tensor(batch.Labels.Select(l => (long)l).ToArray());
            return model.forward(x).argmax(1).eq(y).sum().item<long>() / (double)batch.Count;
        }
    }
}
