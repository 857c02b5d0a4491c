using TorchSharp;
using static TorchSharp.torch;

namespace StreamPipeline.Attacks.Tests;

/// <summary>Small per-example helpers for assertions (all results are plain numbers).</summary>
internal static class TensorAssert
{
    internal static float[] L2PerExample(Tensor t)
    {
        using var scope = NewDisposeScope();
        return linalg.vector_norm(t.flatten(1), 2, new long[] { 1 }).data<float>().ToArray();
    }

    internal static float[] LinfPerExample(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.flatten(1).abs().amax(new long[] { 1 }).data<float>().ToArray();
    }

    internal static float Min(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.min().item<float>();
    }

    internal static float Max(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.max().item<float>();
    }

    internal static float MaxAbsDiff(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return (a - b).abs().max().item<float>();
    }

    internal static float[] Floats(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().contiguous().data<float>().ToArray();
    }

    internal static Generator Seeded(int seed) => new Generator((ulong)seed);
}
