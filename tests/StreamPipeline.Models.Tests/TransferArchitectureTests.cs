using StreamPipeline.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace StreamPipeline.Models.Tests;

/// <summary>The architectures added for the transfer study (Figure 3): mlp and small-cnn-wide.</summary>
public sealed class TransferArchitectureTests
{
    public TransferArchitectureTests() => TorchTestEnvironment.Ensure();

    [Fact]
    public void Small_cnn_wide_has_every_layer_of_small_cnn_at_twice_the_width()
    {
        var shape = new ImageShape(1, 28, 28);
        using var narrow = ModelFactory.Create("small-cnn", shape, 10);
        using var wide = ModelFactory.Create("small-cnn-wide", shape, 10);

        var narrowShapes = narrow.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        var wideShapes = wide.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Equal(narrowShapes.Keys, wideShapes.Keys);
        Assert.Equal(new long[] { 32, 1, 3, 3 }, narrowShapes["conv1.weight"]);
        Assert.Equal(new long[] { 64, 32, 3, 3 }, narrowShapes["conv2.weight"]);
        Assert.Equal(new long[] { 128, 64 * 7 * 7 }, narrowShapes["fc1.weight"]);
        Assert.Equal(new long[] { 64, 1, 3, 3 }, wideShapes["conv1.weight"]);
        Assert.Equal(new long[] { 128, 64, 3, 3 }, wideShapes["conv2.weight"]);
        Assert.Equal(new long[] { 256, 128 * 7 * 7 }, wideShapes["fc1.weight"]);
        Assert.Equal(new long[] { 10, 256 }, wideShapes["fc2.weight"]);
        Assert.IsType<SmallCnn>(wide);
        Assert.Equal("small-cnn-wide", wide.Architecture);
    }

    [Fact]
    public void Mlp_representation_is_the_relu_of_the_256_wide_second_layer_and_feeds_the_logits()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        using var model = ModelFactory.Create("mlp", new ImageShape(1, 6, 6), 3, [0.5f], [0.5f]);
        model.eval();
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(new long[] { 512, 36 }, parameters["fc1.weight"].shape);
        Assert.Equal(new long[] { 256, 512 }, parameters["fc2.weight"].shape);
        Assert.Equal(new long[] { 3, 256 }, parameters["fc3.weight"].shape);
        var x = rand(4, 1, 6, 6);

        using (no_grad())
        {
            var (logits, representation) = model.ForwardWithRepresentation(x);
            Assert.True((representation >= 0).all().item<bool>(), "g(x) is a ReLU output");
            // The logits are the last layer applied to g(x), computed here by hand from the weights.
            var expected = representation.matmul(parameters["fc3.weight"].t()) + parameters["fc3.bias"];
            Assert.True(expected.allclose(logits, rtol: 1e-5, atol: 1e-6));
            // And g(x) itself is computed from the normalised, flattened input.
            var h1 = nn.functional.relu(((x - 0.5f) / 0.5f).flatten(1).matmul(parameters["fc1.weight"].t()) + parameters["fc1.bias"]);
            var g = nn.functional.relu(h1.matmul(parameters["fc2.weight"].t()) + parameters["fc2.bias"]);
            Assert.True(g.allclose(representation, rtol: 1e-5, atol: 1e-6));
        }
    }

    [Fact]
    public void Mlp_takes_any_positive_image_size_while_small_cnn_wide_keeps_the_multiple_of_4_rule()
    {
        using var mlp = ModelFactory.Create("mlp", new ImageShape(3, 30, 27), 10);
        Assert.Equal(new ImageShape(3, 30, 27), mlp.InputShape);
        var e = Assert.Throws<ArgumentException>(() => ModelFactory.Create("small-cnn-wide", new ImageShape(1, 30, 28), 10));
        Assert.Contains("small-cnn-wide needs", e.Message);
        Assert.Contains("1x30x28", e.Message);
    }
}
