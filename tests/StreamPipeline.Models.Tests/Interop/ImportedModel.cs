using StreamPipeline.Tests.Shared;
using static TorchSharp.torch;

namespace StreamPipeline.Models.Tests.Interop;

/// <summary>Runs a checkpoint, loaded the way build/evaluate load it, on a reference's inputs.</summary>
internal static class ImportedModel
{
    /// <summary>Largest difference PyTorch's and TorchSharp's CPU kernels may show on the same weights and inputs.</summary>
    public const double Tolerance = 1e-4;

    public static (float[] Logits, float[] Representation, CheckpointInfo Info) Run(string checkpoint, TorchReference reference)
    {
        var (model, info) = Checkpoint.Load(checkpoint, CPU);
        using var _ = model;
        using var scope = NewDisposeScope();
        using var inputs = tensor(reference.Inputs, [reference.Images, reference.Shape[0], reference.Shape[1], reference.Shape[2]]);
        using var grad = no_grad();
        var (logits, representation) = model.ForwardWithRepresentation(inputs);
        return (logits.data<float>().ToArray(), representation.data<float>().ToArray(), info);
    }

    /// <summary>Asserts logits and representation within <see cref="Tolerance"/> of PyTorch's; returns the differences.</summary>
    public static (double Logits, double Representation) AssertMatches(string checkpoint, TorchReference reference)
    {
        var (logits, representation, _) = Run(checkpoint, reference);
        var dLogits = TorchReference.MaxAbsDifference(logits, reference.Logits);
        var dRepresentation = TorchReference.MaxAbsDifference(representation, reference.Representation);
        Assert.True(dLogits <= Tolerance, $"logits differ from PyTorch's by up to {dLogits:E2} (tolerance {Tolerance:E0})");
        Assert.True(dRepresentation <= Tolerance, $"representation differs from PyTorch's by up to {dRepresentation:E2} (tolerance {Tolerance:E0})");
        // Guard against a vacuous pass: the outputs must carry signal.
        Assert.Contains(reference.Logits, v => Math.Abs(v) > 1e-3);
        return (dLogits, dRepresentation);
    }
}
