using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StreamPipeline.Models;

/// <summary>
/// Folds an eval-mode batch-norm into the convolution before it: bn(conv(x)) = γ(Wx + b − μ)/√(σ² + ε) + β equals a
/// convolution with weights W·s and bias (b − μ)·s + β, where s = γ/√(σ² + ε) per output channel. Computed in float64
/// and rounded once, so the folded layer differs from the pair only by float32 rounding of the result.
/// </summary>
internal static class BatchNormFolding
{
    /// <summary>
    /// A convolution's output through its batch-norm, or the output itself once the batch-norm is folded into the
    /// convolution. Takes ownership of <paramref name="convolved"/>: the result is the one tensor the caller disposes.
    /// </summary>
    public static Tensor Normalized(Tensor convolved, BatchNorm2d bn, bool folded)
    {
        if (folded)
            return convolved;
        using (convolved)
            return bn.call(convolved);
    }

    public static void Fold(Conv2d conv, BatchNorm2d bn)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var weight = conv.weight ?? throw new InvalidOperationException("a convolution without weights cannot take a batch-norm");
        var mean = bn.running_mean ?? throw new InvalidOperationException("a batch-norm without running statistics cannot be folded");
        var variance = bn.running_var ?? throw new InvalidOperationException("a batch-norm without running statistics cannot be folded");
        var channels = weight.shape[0];
        var gamma = bn.weight is { } g ? g.to_type(ScalarType.Float64) : ones(channels, ScalarType.Float64, weight.device);
        var beta = bn.bias is { } b ? b.to_type(ScalarType.Float64) : zeros(channels, ScalarType.Float64, weight.device);
        var scale = gamma / (variance.to_type(ScalarType.Float64) + bn.eps).sqrt();
        var convBias = conv.bias is { } cb ? cb.to_type(ScalarType.Float64) : zeros(channels, ScalarType.Float64, weight.device);

        var foldedWeight = (weight.to_type(ScalarType.Float64) * scale.view(channels, 1, 1, 1)).to_type(weight.dtype);
        var foldedBias = ((convBias - mean.to_type(ScalarType.Float64)) * scale + beta).to_type(weight.dtype);
        weight.copy_(foldedWeight);
        if (conv.bias is { } existing)
            existing.copy_(foldedBias);
        else
            conv.bias = new Parameter(foldedBias.DetachFromDisposeScope(), requires_grad: false);
    }

    /// <summary>
    /// Folds a projection shortcut (a Sequential of "0" convolution and "1" batch-norm, the state_dict layout) and returns
    /// its convolution's forward: the Sequential itself stays registered, so the model's names do not change.
    /// </summary>
    public static Func<Tensor, Tensor> FoldProjection(Sequential projection)
    {
        var parts = projection.children().ToArray();
        if (parts is not [Conv2d conv, BatchNorm2d bn])
            throw new InvalidOperationException($"a projection shortcut is a convolution then a batch-norm, not {string.Join(", ", parts.Select(p => p.GetType().Name))}");
        Fold(conv, bn);
        return conv.call;
    }
}
