using System.Globalization;
using StreamPipeline.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace StreamPipeline.Models;

/// <summary>
/// Finds NaN and infinity where they make a model's output meaningless: in its weights (a checkpoint written by a
/// diverged run, or a hostile file), and in its output on a plain image (finite weights so large that a forward pass
/// overflows float32, such as 1e38). A model with either evaluates, attacks and trains to silent garbage.
/// </summary>
public static class NonFinite
{
    /// <summary>
    /// The first floating-point parameter or buffer (in state_dict order) holding NaN or ±infinity, described as
    /// <c>tensor 'conv1.weight' holds NaN at element 17</c>; null when all are finite.
    /// </summary>
    public static string? InWeights(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            foreach (var (name, tensor) in module.state_dict())
            {
                if (!tensor.is_floating_point() || tensor.isfinite().all().item<bool>())
                    continue;
                var flat = tensor.detach().flatten();
                var index = flat.isfinite().logical_not().nonzero()[0, 0].item<long>();
                return string.Create(CultureInfo.InvariantCulture,
                    $"tensor '{InputText.Show(name)}' holds {Describe(flat[index].to_type(ScalarType.Float64).item<double>())} at element {index}");
            }
        }
        return null;
    }

    /// <summary>
    /// Runs <paramref name="model"/> (in eval mode, where it is) on one mid-grey image, forward and back as an attack
    /// does, and describes the first non-finite logit, representation value or input-gradient value, e.g. <c>its logits
    /// on a mid-grey image are not finite (+Infinity at class 3)</c>; null when all are finite. Leaves the model in eval mode.
    /// </summary>
    public static string? InOutput(ClassifierModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        model.eval();
        var device = model.parameters().FirstOrDefault()?.device ?? CPU;
        var shape = model.InputShape;
        var grey = full([1, shape.Channels, shape.Height, shape.Width], 0.5f, device: device).requires_grad_(true);
        var (logits, representation) = model.ForwardWithRepresentation(grey);
        if (FirstNonFinite(logits) is { } logit)
            return $"its logits on a mid-grey image are not finite ({logit} at class {logit.Index})";
        if (FirstNonFinite(representation) is { } feature)
            return $"its representation of a mid-grey image is not finite ({feature} at feature {feature.Index})";
        // An attack follows the input gradient: weights can be small enough for the forward pass, not for the backward.
        var loss = nn.functional.cross_entropy(logits, zeros([1], ScalarType.Int64, device: device));
        var gradient = autograd.grad([loss], [grey])[0];
        if (FirstNonFinite(gradient) is { } pixel)
            return $"its loss gradient at a mid-grey image is not finite ({pixel} at pixel {pixel.Index})";
        return null;
    }

    private static Found? FirstNonFinite(Tensor values)
    {
        var flat = values.detach().flatten().to(CPU);
        if (flat.isfinite().all().item<bool>())
            return null;
        var index = flat.isfinite().logical_not().nonzero()[0, 0].item<long>();
        return new Found(flat[index].to_type(ScalarType.Float64).item<double>(), index);
    }

    private sealed record Found(double Value, long Index)
    {
        public override string ToString() => Describe(Value);
    }

    private static string Describe(double value) => double.IsNaN(value) ? "NaN" : value > 0 ? "+Infinity" : "-Infinity";
}
