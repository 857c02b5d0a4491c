using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StreamPipeline.Models.Tests;

/// <summary>
/// Training channels_last (the ResNets' default) computes what NCHW training computes — the layout changes only the order
/// of float sums — and leaves standard weights behind: contiguous NCHW, saved and loaded like any other.
/// </summary>
public sealed class ChannelsLastTrainingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sp-cl-train-").FullName;

    public ChannelsLastTrainingTests() => TorchTestEnvironment.Ensure();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly TrainingSettings Settings = new(Epochs: 1, BatchSize: 16, LearningRate: 1e-3, Seed: 5, ChunkSize: 64);

    private static ClassifierModel NewResNet()
    {
        manual_seed(11);
        return ModelFactory.Create(ResNet.Cifar18, QuadrantImages.Shape, QuadrantImages.Classes);
    }

    [Fact]
    public void The_resnets_train_channels_last_by_default_and_small_cnn_does_not()
    {
        using var resnet = NewResNet();
        using var cnn = ModelFactory.Create(SmallCnn.ArchitectureName, QuadrantImages.Shape, QuadrantImages.Classes);

        Assert.True(new TrainingSettings().ChannelsLastFor(resnet));
        Assert.False(new TrainingSettings().ChannelsLastFor(cnn));
        Assert.False(new TrainingSettings(ChannelsLast: false).ChannelsLastFor(resnet));
    }

    [Fact]
    public void A_resnet_trained_channels_last_matches_nchw_training_and_ends_with_contiguous_weights_that_save_and_load()
    {
        using var data = QuadrantImages.Create(64, seed: 3);
        using var nchw = NewResNet();
        using var nhwc = NewResNet();
        var layouts = new LayoutProbe(nhwc);

        var plain = Trainer.Train(nchw, data, Settings with { ChannelsLast = false }, CPU);
        var channelsLast = Trainer.Train(nhwc, data, Settings with { ChannelsLast = true }, CPU, progress: layouts);

        // While it trained, every multi-channel convolution weight was channels_last; afterwards every one is NCHW again.
        Assert.NotEmpty(layouts.Seen);
        Assert.All(layouts.Seen, allChannelsLast => Assert.True(allChannelsLast));
        Assert.All(Convolutions(nhwc), w => Assert.True(w.is_contiguous()));

        // Same training up to float summation order. Adam moves a weight by at most about lr per step whatever its
        // gradient, so where a gradient is near zero the two can differ by up to 2 lr a step; elsewhere far less.
        var steps = 64 / Settings.BatchSize;
        var bound = 2 * Settings.LearningRate * steps + 1e-5;
        foreach (var ((name, a), (_, b)) in nchw.state_dict().Zip(nhwc.state_dict()))
        {
            if (!a.is_floating_point()) { Assert.True(a.Equals(b), name); continue; }
            var largest = (a - b).abs().max().item<float>();
            Assert.True(largest <= bound, $"{name}: channels_last training moved it {largest} away from NCHW training (bound {bound})");
        }
        Assert.Equal(plain.FinalLoss, channelsLast.FinalLoss, 2e-3);

        // The trained model saves and loads as any other, with the same outputs.
        var path = Path.Combine(_dir, "resnet.pt");
        Checkpoint.Save(nhwc, path, CheckpointInfo.Describe(nhwc, data.Reference));
        var (loaded, _) = Checkpoint.Load(path, CPU);
        using var _loaded = loaded;
        using var x = rand(8, QuadrantImages.Shape.Channels, QuadrantImages.Shape.Height, QuadrantImages.Shape.Width, generator: new TorchSharp.torch.Generator(1));
        using (no_grad())
        {
            using var before = nhwc.forward(x);
            using var after = loaded.forward(x);
            Assert.True(before.allclose(after, rtol: 1e-5, atol: 1e-6), "the loaded model's logits differ from the trained model's");
        }
    }

    private static IEnumerable<Tensor> Convolutions(nn.Module model) =>
        model.modules().OfType<Conv2d>().Select(c => c.weight!).Where(w => w.shape[1] > 1);

    /// <summary>NHWC strides, ignoring the strides of size-1 dimensions (a 1×1 kernel is the same bytes in both layouts).</summary>
    private static bool IsChannelsLast(Tensor w)
    {
        var (c, h, width, stride) = (w.shape[1], w.shape[2], w.shape[3], w.stride());
        return stride[1] == 1 && (width == 1 || stride[3] == c) && (h == 1 || stride[2] == c * width);
    }

    /// <summary>Looks at the model's weights each time the trainer reports (on the training thread, mid-training).</summary>
    private sealed class LayoutProbe(nn.Module model) : IProgress<TrainProgress>
    {
        public List<bool> Seen { get; } = [];

        public void Report(TrainProgress value) => Seen.Add(Convolutions(model).All(IsChannelsLast));
    }
}
