using TorchSharp;
using static TorchSharp.torch;

namespace StreamPipeline.Attacks.Theory;

/// <summary>Orthonormal bases (one unit vector per row) for placing a covariance's eigenvectors.</summary>
public static class OrthonormalBasis
{
    /// <summary>The plane's basis turned by <paramref name="degrees"/> counter-clockwise: rows (cos, sin) and (−sin, cos).</summary>
    public static double[][] Rotation(double degrees)
    {
        var a = degrees * Math.PI / 180;
        return [[Math.Cos(a), Math.Sin(a)], [-Math.Sin(a), Math.Cos(a)]];
    }

    /// <summary>A random orthonormal basis of dimension <paramref name="d"/>: the Q of a seeded Gaussian matrix's QR decomposition.</summary>
    public static double[][] Random(int d, long seed)
    {
        if (d < 1) throw new ArgumentException($"a basis needs at least one dimension, got {d}", nameof(d));
        using var scope = NewDisposeScope();
        var generator = new Generator((ulong)seed);
        var (q, _) = linalg.qr(torch.randn(new long[] { d, d }, dtype: float64, generator: generator));
        return Dense.ToMatrix(q.t());
    }
}
