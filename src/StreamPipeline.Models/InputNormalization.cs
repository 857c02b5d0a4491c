using StreamPipeline.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace StreamPipeline.Models;

/// <summary>Per-channel mean/std normalisation shared by the built-in models; the tensors live in each model as buffers.</summary>
internal static class InputNormalization
{
    /// <summary>Validates mean/std against the channel count and returns them as 1×C×1×1 tensors (identity when null).</summary>
    public static (Tensor Mean, Tensor Std) CreateBuffers(ImageShape shape, float[]? mean, float[]? std)
    {
        var c = shape.Channels;
        mean ??= Enumerable.Repeat(0f, c).ToArray();
        std ??= Enumerable.Repeat(1f, c).ToArray();
        if (mean.Length != c)
            throw new ArgumentException($"mean has {mean.Length} values, the images have {c} channel(s)", nameof(mean));
        if (std.Length != c)
            throw new ArgumentException($"std has {std.Length} values, the images have {c} channel(s)", nameof(std));
        if (mean.Any(m => !float.IsFinite(m)))
            throw new ArgumentException($"mean must be finite, got [{string.Join(", ", mean)}]", nameof(mean));
        if (std.Any(s => !(s > 0) || !float.IsFinite(s)))
            throw new ArgumentException($"std must be positive and finite, got [{string.Join(", ", std)}]", nameof(std));

        // Buffers must not belong to whatever dispose scope the caller has open: they live as long as the model.
        var meanTensor = tensor(mean, [1, c, 1, 1]).DetachFromDisposeScope();
        var stdTensor = tensor(std, [1, c, 1, 1]).DetachFromDisposeScope();
        return (meanTensor, stdTensor);
    }

    public static Tensor Apply(Tensor input, Tensor mean, Tensor std) => (input - mean) / std;

    /// <summary>Reads a 1×C×1×1 buffer back as plain floats.</summary>
    public static float[] ToArray(Tensor buffer)
    {
        using var scope = NewDisposeScope();
        return buffer.detach().cpu().flatten().data<float>().ToArray();
    }
}
