using static TorchSharp.torch;

namespace StreamPipeline.Models.Tests;

/// <summary>
/// SmallCnn pools before its ReLUs (a quarter of the elements to rectify) and rectifies in place. Max and ReLU commute
/// exactly, and so do their gradients (each window picks the same element), so the model computes bit for bit what the
/// textbook order conv → ReLU → pool computes; this holds it to that, logits and input gradient, from its own weights.
/// </summary>
public sealed class SmallCnnOrderTests
{
    public SmallCnnOrderTests() => TorchTestEnvironment.Ensure();

    [Theory]
    [InlineData("small-cnn")]
    [InlineData("small-cnn-wide")]
    public void Pooling_before_the_relu_gives_exactly_the_logits_and_input_gradient_of_relu_then_pool(string architecture)
    {
        manual_seed(3);
        var shape = new Data.ImageShape(1, 28, 28);
        using var model = ModelFactory.Create(architecture, shape, 10);
        model.eval();
        var weights = model.state_dict();
        using var x = rand(16, 1, 28, 28, generator: new Generator(5));
        using var targets = randint(0, 10, [16], generator: new Generator(6));

        var xa = x.detach().requires_grad_(true);
        using var ours = model.forward(xa);
        var gradOurs = autograd.grad([nn.functional.cross_entropy(ours, targets)], [xa])[0];

        var xb = x.detach().requires_grad_(true);
        var h = (xb - weights["mean"]) / weights["std"];
        h = nn.functional.max_pool2d(nn.functional.relu(nn.functional.conv2d(h, weights["conv1.weight"], weights["conv1.bias"], padding: [1, 1])), 2);
        h = nn.functional.max_pool2d(nn.functional.relu(nn.functional.conv2d(h, weights["conv2.weight"], weights["conv2.bias"], padding: [1, 1])), 2);
        h = nn.functional.relu(nn.functional.linear(h.flatten(1), weights["fc1.weight"], weights["fc1.bias"]));
        using var reference = nn.functional.linear(h, weights["fc2.weight"], weights["fc2.bias"]);
        var gradReference = autograd.grad([nn.functional.cross_entropy(reference, targets)], [xb])[0];

        Assert.True(ours.Equals(reference), $"logits differ by up to {(ours - reference).abs().max().item<float>()}");
        Assert.True(gradOurs.Equals(gradReference), $"input gradients differ by up to {(gradOurs - gradReference).abs().max().item<float>()}");
        Assert.True(gradOurs.abs().sum().item<float>() > 0, "the gradient is zero: the comparison would prove nothing");
    }
}
