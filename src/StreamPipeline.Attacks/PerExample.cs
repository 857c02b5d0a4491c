using static TorchSharp.torch;

namespace StreamPipeline.Attacks;

/// <summary>Per-example reductions over all dimensions but the first, shaped to broadcast back (N×1×…×1).</summary>
internal static class PerExample
{
    /// <summary>Smallest norm divided by; keeps a zero gradient a zero step instead of NaN.</summary>
    internal const float TinyNorm = 1e-12f;

    internal static Tensor L2Norm(Tensor t)
    {
        var flat = t.flatten(1);
        return linalg.vector_norm(flat, 2, new long[] { 1 }, keepdim: false).view(BroadcastShape(t));
    }

    internal static Tensor Normalize(Tensor t) => t / L2Norm(t).clamp_min(TinyNorm);

    internal static long[] BroadcastShape(Tensor t)
    {
        var shape = new long[t.dim()];
        Array.Fill(shape, 1L);
        shape[0] = t.shape[0];
        return shape;
    }
}
