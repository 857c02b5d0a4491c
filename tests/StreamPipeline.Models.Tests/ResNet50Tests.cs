using StreamPipeline.Data;
using static TorchSharp.torch;

namespace StreamPipeline.Models.Tests;

public sealed class ResNet50Tests
{
    public ResNet50Tests() => TorchTestEnvironment.Ensure();

    [Fact]
    public void ResNet50_has_the_robustness_cifar_layout_names_and_parameter_count()
    {
        using var model = ModelFactory.Create("resnet50", new ImageShape(3, 32, 32), 10);
        var state = model.state_dict();

        // robustness/cifar_models ResNet50(num_classes=10): 23,520,842 parameters, 320 state_dict entries, plus our mean/std.
        Assert.Equal(23_520_842, model.parameters().Sum(p => p.NumberOfElements));
        Assert.Equal(322, state.Count);
        Assert.Equal([64, 3, 3, 3], state["conv1.weight"].shape);
        Assert.Equal([256, 64, 1, 1], state["layer1.0.shortcut.0.weight"].shape);
        Assert.Equal([512, 256, 1, 1], state["layer2.0.shortcut.0.weight"].shape);
        Assert.Equal([128, 128, 3, 3], state["layer2.0.conv2.weight"].shape); // the stride sits on the 3×3 conv
        Assert.Equal(ScalarType.Int64, state["layer4.2.bn3.num_batches_tracked"].dtype);
        Assert.Equal([10, 2048], state["linear.weight"].shape);
        Assert.DoesNotContain("layer1.1.shortcut.0.weight", state.Keys); // identity shortcuts hold nothing
    }

    [Fact]
    public void ImageNet_ResNet50_has_torchvisions_names_and_parameter_count()
    {
        using var model = ModelFactory.Create("resnet50-imagenet", new ImageShape(3, 64, 64), 1000);
        var state = model.state_dict();

        Assert.Equal(25_557_032, model.parameters().Sum(p => p.NumberOfElements)); // torchvision resnet50()
        Assert.Equal([64, 3, 7, 7], state["conv1.weight"].shape);
        Assert.Equal([256, 64, 1, 1], state["layer1.0.downsample.0.weight"].shape);
        Assert.Equal([1000, 2048], state["fc.weight"].shape);
        Assert.DoesNotContain(state.Keys, k => k.Contains("shortcut", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("resnet50", 32)]
    [InlineData("resnet50-imagenet", 64)]
    public void ResNet50_gives_logits_per_class_and_a_2048_wide_representation(string arch, int side)
    {
        using var scope = NewDisposeScope();
        using var model = ModelFactory.Create(arch, new ImageShape(3, side, side), 7);
        model.eval();
        using var grad = no_grad();

        var (logits, representation) = model.ForwardWithRepresentation(rand(2, 3, side, side));

        Assert.Equal([2, 7], logits.shape);
        Assert.Equal([2, 2048], representation.shape);
        Assert.True(representation.min().item<float>() >= 0, "the representation is a pooled ReLU output");
    }
}
