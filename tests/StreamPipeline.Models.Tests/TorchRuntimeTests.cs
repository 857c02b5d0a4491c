using TorchSharp;
using static TorchSharp.torch;

namespace StreamPipeline.Models.Tests;

public sealed class TorchRuntimeTests
{
    [Fact]
    public void Torch_runs_a_tensor_op_and_a_conv_backward_in_the_test_process()
    {
        using var scope = NewDisposeScope();
        var a = ones(2, 3) * 2;
        Assert.Equal(12.0f, a.sum().item<float>());

        var conv = nn.Conv2d(1, 2, 3);
        var x = randn(4, 1, 8, 8, generator: new Generator(42).manual_seed(42));
        var loss = conv.forward(x).square().mean();
        loss.backward();
        var grad = conv.weight!.grad!;
        Assert.Equal(new long[] { 2, 1, 3, 3 }, grad.shape);
        Assert.True(grad.abs().sum().item<float>() > 0);
    }
}
