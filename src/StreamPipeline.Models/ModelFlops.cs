using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StreamPipeline.Models;

/// <summary>
/// Floating-point operations of a model per image, counted from its layers: every convolution and linear layer does
/// one multiply-add (2 FLOP) per weight per output position, so its forward costs 2·MACs; the input gradient through it
/// costs the same again (a transposed convolution or matrix product of the same size). Batch-norm, ReLU, pooling,
/// additions and the loss are not counted (they are a few FLOP per activation, not per weight). A PGD step with the
/// parameters frozen is one forward and one backward to the input: <see cref="PgdStepPerImage"/> = 2 ×
/// <see cref="ForwardPerImage"/>, so small-cnn on 1×28×28 costs 16.96 MFLOP a step and the CIFAR ResNet-50 5.19 GFLOP.
/// </summary>
public sealed record ModelFlops(double ForwardPerImage)
{
    /// <summary>One PGD step per image: forward, then the gradient back to the input (no parameter gradients).</summary>
    public double PgdStepPerImage => 2 * ForwardPerImage;

    /// <summary>
    /// Counts <paramref name="model"/>'s layers on one image of its input shape: each convolution's and linear layer's
    /// output size is read from a forward pass (hooks on every layer), so strides, padding and pooling are the model's own.
    /// </summary>
    public static ModelFlops Of(ClassifierModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        double macs = 0;
        var removers = new List<Action>();
        try
        {
            foreach (var module in model.modules())
            {
                switch (module)
                {
                    case Conv2d conv:
                        var convHook = conv.register_forward_hook((_, _, output) =>
                        {
                            // One multiply-add per weight of a group per output element.
                            macs += (double)output.numel() * (conv.in_channels / conv.groups) * conv.kernel_size.Aggregate(1L, (a, k) => a * k);
                            return output;
                        });
                        removers.Add(() => convHook.remove());
                        break;
                    case Linear linear:
                        var linearHook = linear.register_forward_hook((_, _, output) =>
                        {
                            macs += (double)output.numel() * linear.in_features;
                            return output;
                        });
                        removers.Add(() => linearHook.remove());
                        break;
                }
            }
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var shape = model.InputShape;
            var device = model.parameters().FirstOrDefault()?.device ?? CPU;
            model.forward(zeros(1, shape.Channels, shape.Height, shape.Width, device: device));
        }
        finally
        {
            foreach (var remove in removers) remove();
        }
        return new ModelFlops(2 * macs);
    }
}
