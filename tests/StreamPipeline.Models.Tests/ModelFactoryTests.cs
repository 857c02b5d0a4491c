using StreamPipeline.Data;

namespace StreamPipeline.Models.Tests;

public sealed class ModelFactoryTests
{
    public ModelFactoryTests() => TorchTestEnvironment.Ensure();

    [Fact]
    public void Create_rejects_an_unknown_architecture_and_lists_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelFactory.Create("vgg16", new ImageShape(1, 28, 28), 10));
        Assert.Contains("'vgg16'", e.Message);
        Assert.Contains("small-cnn, resnet18", e.Message);
    }

    [Fact]
    public void Create_accepts_architecture_names_regardless_of_case_and_spaces()
    {
        using var model = ModelFactory.Create(" Small-CNN ", new ImageShape(1, 8, 8), 3);
        Assert.IsType<SmallCnn>(model);
        Assert.Equal("small-cnn", model.Architecture);
    }

    [Fact]
    public void SmallCnn_rejects_images_whose_sides_are_not_multiples_of_4()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelFactory.Create("small-cnn", new ImageShape(1, 30, 28), 10));
        Assert.Contains("1x30x28", e.Message);
    }

    [Fact]
    public void Create_rejects_mean_and_std_that_do_not_match_the_channels_or_are_not_positive()
    {
        var shape = new ImageShape(3, 32, 32);
        Assert.Contains("mean has 1 values", Assert.Throws<ArgumentException>(() => ModelFactory.Create("resnet18", shape, 10, [0.5f], [1f, 1f, 1f])).Message);
        Assert.Contains("std must be positive", Assert.Throws<ArgumentException>(() => ModelFactory.Create("small-cnn", shape, 10, [0f, 0f, 0f], [1f, 0f, 1f])).Message);
    }
}
