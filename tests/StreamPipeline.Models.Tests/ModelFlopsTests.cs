using StreamPipeline.Data;

namespace StreamPipeline.Models.Tests;

/// <summary>
/// bench's FLOP count per architecture against a count done by hand: multiply-adds (MACs) of every convolution
/// (out channels × in channels × kernel area × output positions) and linear layer (in × out), written out layer by
/// layer below from each architecture's description; forward = 2 × MACs, a PGD step (forward + input gradient) = 4 × MACs.
/// </summary>
public sealed class ModelFlopsTests
{
    public ModelFlopsTests() => TorchTestEnvironment.Ensure();

    [Fact]
    public void Small_cnn_costs_16_96_MFLOP_per_pgd_step()
    {
        // conv1 1→32 3×3 at 28×28; pool; conv2 32→64 3×3 at 14×14; pool; fc1 64·7·7→128; fc2 128→10.
        const long macs = 32 * 1 * 9 * 28 * 28 + 64 * 32 * 9 * 14 * 14 + 64 * 7 * 7 * 128 + 128 * 10;
        Assert.Equal(4_241_152, macs);
        var flops = Count("small-cnn", new ImageShape(1, 28, 28));
        Assert.Equal(2.0 * macs, flops.ForwardPerImage);
        Assert.Equal(16_964_608, flops.PgdStepPerImage); // the 16.96 MFLOP
    }

    [Fact]
    public void Small_cnn_wide_doubles_every_width()
    {
        const long macs = 64 * 1 * 9 * 28 * 28 + 128 * 64 * 9 * 14 * 14 + 128 * 7 * 7 * 256 + 256 * 10;
        Assert.Equal(4.0 * macs, Count("small-cnn-wide", new ImageShape(1, 28, 28)).PgdStepPerImage);
    }

    [Fact]
    public void Mlp_counts_its_three_linear_layers()
    {
        const long macs = 784 * 512 + 512 * 256 + 256 * 10;
        Assert.Equal(4.0 * macs, Count("mlp", new ImageShape(1, 28, 28)).PgdStepPerImage);
    }

    [Fact]
    public void Cifar_resnet18_counts_its_basic_blocks()
    {
        long macs = Conv(3, 64, 3, 32); // stem
        long channels = 64, side = 32;
        foreach (var (planes, stride) in new[] { (64L, 1L), (128L, 2L), (256L, 2L), (512L, 2L) })
        {
            var outSide = side / stride;
            // Block 0: 3×3 (carries the stride), 3×3, plus a 1×1 projection when the shape changes.
            macs += Conv(channels, planes, 3, outSide) + Conv(planes, planes, 3, outSide);
            if (stride != 1 || channels != planes) macs += Conv(channels, planes, 1, outSide);
            // Block 1: two 3×3 at the same shape.
            macs += 2 * Conv(planes, planes, 3, outSide);
            (channels, side) = (planes, outSide);
        }
        macs += 512 * 10;
        Assert.Equal(555_422_720, macs); // ResNet-18 at 32×32: the known 0.56 GMACs
        Assert.Equal(4.0 * macs, Count("resnet18", new ImageShape(3, 32, 32)).PgdStepPerImage);
    }

    [Fact]
    public void Cifar_resnet50_costs_5_19_GFLOP_per_pgd_step()
    {
        var macs = Conv(3, 64, 3, 32) + Bottlenecks(64, 32, 2048 * 10);
        Assert.Equal(1_297_829_888, macs);
        var flops = Count("resnet50", new ImageShape(3, 32, 32));
        Assert.Equal(4.0 * macs, flops.PgdStepPerImage);
        Assert.Equal(5.19, flops.PgdStepPerImage / 1e9, 2); // the 5.19 GFLOP
    }

    [Fact]
    public void Imagenet_resnet50_at_224_costs_torchvisions_4_09_GMACs()
    {
        // 7×7/2 stem to 112×112, 3×3/2 max-pool to 56×56, then the same bottleneck stages as the CIFAR model.
        var macs = Conv(3, 64, 7, 112) + Bottlenecks(64, 56, 2048 * 1000);
        Assert.Equal(4_089_184_256, macs); // torchvision resnet50: 4.09 GMACs (its usual "4.1 GFLOPs")
        Assert.Equal(4.0 * macs, Count("resnet50-imagenet", new ImageShape(3, 224, 224), classes: 1000).PgdStepPerImage);
    }

    [Fact]
    public void Transforms_change_no_count()
    {
        using var model = ModelFactory.Create("resnet18", new ImageShape(3, 32, 32), 10);
        var before = ModelFlops.Of(model);
        model.PrepareForInference(InferenceTransforms.All);
        Assert.Equal(before, ModelFlops.Of(model));
    }

    /// <summary>MACs of a k×k convolution from <paramref name="inChannels"/> to <paramref name="outChannels"/> with a square output of <paramref name="outSide"/>.</summary>
    private static long Conv(long inChannels, long outChannels, long k, long outSide) => outChannels * inChannels * k * k * outSide * outSide;

    /// <summary>
    /// Stages [3,4,6,3] of bottlenecks (1×1 reduce, 3×3 carrying the stride, 1×1 expand ×4, a 1×1 projection on each
    /// stage's first block), then the classifier's MACs.
    /// </summary>
    private static long Bottlenecks(long channels, long side, long classifier)
    {
        long macs = 0;
        foreach (var (planes, blocks, stride) in new[] { (64L, 3, 1L), (128L, 4, 2L), (256L, 6, 2L), (512L, 3, 2L) })
        {
            for (var b = 0; b < blocks; b++)
            {
                var s = b == 0 ? stride : 1;
                var outSide = side / s;
                macs += Conv(channels, planes, 1, side) + Conv(planes, planes, 3, outSide) + Conv(planes, 4 * planes, 1, outSide);
                if (b == 0) macs += Conv(channels, 4 * planes, 1, outSide);
                (channels, side) = (4 * planes, outSide);
            }
        }
        return macs + classifier;
    }

    private static ModelFlops Count(string arch, ImageShape shape, int classes = 10)
    {
        using var model = ModelFactory.Create(arch, shape, classes);
        return ModelFlops.Of(model);
    }
}
