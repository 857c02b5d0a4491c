namespace StreamPipeline.Data.Constructions;

/// <summary>
/// A deterministic random stream for one (job seed, example index, purpose): SplitMix64 seeded by a hash of the
/// three. It depends on nothing else — not the batch, its order, the device or the thread — so an example's
/// noise and target are the same in any batch and on resume. Not thread-safe; create one per example.
/// </summary>
public sealed class ExampleRandom
{
    private ulong _state;
    private double? _spareGaussian;

    public ExampleRandom(long seed, long index, RandomPurpose purpose)
    {
        // Chained finalisers: each input flips about half of the state bits, so nearby seeds and indices
        // give unrelated streams.
        var h = Mix((ulong)seed ^ 0x5EED_0F_57_2EA3_1A6EUL);
        h = Mix(h ^ (ulong)index);
        _state = Mix(h ^ ((ulong)purpose * 0x9E37_79B9_7F4A_7C15UL));
    }

    /// <summary>The next 64 uniformly distributed bits.</summary>
    public ulong NextUInt64()
    {
        _state += 0x9E37_79B9_7F4A_7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform integer in [0, bound), by the multiply-high method (bias below bound/2^64).</summary>
    public int NextInt(int bound)
    {
        if (bound <= 0)
            throw new ArgumentOutOfRangeException(nameof(bound), bound, "bound must be positive");
        return (int)Math.BigMul(NextUInt64(), (ulong)bound, out _);
    }

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal by Box–Muller (pairs; the second value is kept for the next call).</summary>
    public double NextGaussian()
    {
        if (_spareGaussian is { } spare)
        {
            _spareGaussian = null;
            return spare;
        }
        var u1 = 1.0 - NextDouble(); // (0, 1]: the logarithm stays finite
        var u2 = NextDouble();
        var r = Math.Sqrt(-2.0 * Math.Log(u1));
        var theta = 2.0 * Math.PI * u2;
        _spareGaussian = r * Math.Sin(theta);
        return r * Math.Cos(theta);
    }

    public void FillGaussian(Span<float> destination)
    {
        for (var i = 0; i < destination.Length; i++)
            destination[i] = (float)NextGaussian();
    }

    /// <summary>Fills with uniform values in [0, 1) (24 random bits each, so no value rounds up to 1).</summary>
    public void FillUniform(Span<float> destination)
    {
        for (var i = 0; i < destination.Length; i++)
            destination[i] = (NextUInt64() >> 40) * (1f / (1 << 24));
    }

    /// <summary>The SplitMix64 output function (Steele, Lea, Flood 2014).</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }
}
