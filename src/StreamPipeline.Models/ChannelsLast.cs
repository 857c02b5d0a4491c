using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StreamPipeline.Models;

/// <summary>
/// The channels_last memory format (NHWC order behind an N×C×H×W shape). TorchSharp 0.107 has no <c>memory_format</c>
/// argument, so it is made as PyTorch defines it: permute to N×H×W×C, make that contiguous, permute back. libtorch
/// then sees channels_last strides, runs oneDNN's convolutions on NHWC directly, and keeps elementwise results in it.
/// </summary>
internal static class ChannelsLast
{
    /// <summary>A 4-d tensor's values in channels_last order (a new tensor; autograd flows through it).</summary>
    public static Tensor Of(Tensor t)
    {
        if (t.shape[1] == 1)
        {
            // One channel: NCHW and NHWC are the same bytes, but libtorch reads the strides, and a permuted view of a
            // contiguous tensor keeps NCHW's (contiguous() sees nothing to do). Give it the strides PyTorch's
            // contiguous(memory_format=channels_last) gives, [HW, 1, W, 1], by views alone.
            using var dense = t.contiguous();
            using var planes = dense.squeeze(1);
            using var pixels = planes.unsqueeze(-1);
            return pixels.permute(0, 3, 1, 2);
        }
        using var nhwc = t.permute(0, 2, 3, 1);
        using var packed = nhwc.contiguous();
        return packed.permute(0, 3, 1, 2);
    }

    /// <summary>True when <paramref name="t"/> is a 4-d tensor laid out channels_last (stride 1 on C, C-strided W).</summary>
    public static bool Is(Tensor t)
    {
        if (t.dim() != 4) return false;
        var (c, h, w) = (t.shape[1], t.shape[2], t.shape[3]);
        var stride = t.stride();
        return stride[1] == 1 && (w == 1 || stride[3] == c) && (h == 1 || stride[2] == c * w) && (t.shape[0] == 1 || stride[0] == c * h * w);
    }

    /// <summary>
    /// Rewrites every channels_last convolution weight under <paramref name="module"/> back to the standard contiguous
    /// (NCHW) layout, keeping its values and requires_grad: what a model trained channels_last does before it is
    /// evaluated, saved or exported.
    /// </summary>
    public static void RestoreConvolutions(nn.Module module)
    {
        using var noGrad = no_grad();
        foreach (var conv in module.modules().OfType<Conv2d>())
        {
            var weight = conv.weight!;
            if (weight.is_contiguous())
                continue;
            var requiresGrad = weight.requires_grad;
            using var scope = NewDisposeScope();
            var dense = weight.detach().contiguous();
            conv.weight = new Parameter(dense.DetachFromDisposeScope(), requires_grad: requiresGrad);
        }
    }

    /// <summary>Rewrites every convolution's weights under <paramref name="module"/> to channels_last (in place of the parameter).</summary>
    public static void ConvertConvolutions(nn.Module module)
    {
        using var noGrad = no_grad();
        foreach (var conv in module.modules().OfType<Conv2d>())
        {
            var weight = conv.weight!;
            var requiresGrad = weight.requires_grad;
            using var scope = NewDisposeScope();
            var packed = Of(weight.detach());
            conv.weight = new Parameter(packed.DetachFromDisposeScope(), requires_grad: requiresGrad);
        }
    }
}
