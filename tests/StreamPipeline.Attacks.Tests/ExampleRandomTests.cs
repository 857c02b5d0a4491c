namespace StreamPipeline.Attacks.Tests;

public sealed class ExampleRandomTests
{
    [Fact]
    public void Same_seed_index_and_purpose_give_the_same_stream_and_any_change_gives_another()
    {
        var reference = Draw(new ExampleRandom(42, 7, RandomPurpose.StartNoise));
        Assert.Equal(reference, Draw(new ExampleRandom(42, 7, RandomPurpose.StartNoise)));
        Assert.NotEqual(reference, Draw(new ExampleRandom(43, 7, RandomPurpose.StartNoise)));
        Assert.NotEqual(reference, Draw(new ExampleRandom(42, 8, RandomPurpose.StartNoise)));
        Assert.NotEqual(reference, Draw(new ExampleRandom(42, 7, RandomPurpose.Target)));
    }

    [Fact]
    public void Neighbouring_indices_give_uncorrelated_first_draws()
    {
        // Bits of the first draw for indices 0..N-1 of one seed: each bit position is set about half the time.
        const int n = 20_000;
        var ones = new int[64];
        for (var i = 0; i < n; i++)
        {
            var value = new ExampleRandom(1, i, RandomPurpose.Target).NextUInt64();
            for (var b = 0; b < 64; b++)
                ones[b] += (int)((value >> b) & 1);
        }
        // 5 standard deviations of a fair binomial(20000, 1/2): about ±354.
        Assert.All(ones, c => Assert.InRange(c, n / 2 - 360, n / 2 + 360));
    }

    [Fact]
    public void Gaussian_draws_have_mean_zero_and_unit_variance()
    {
        var values = new float[200_000];
        new ExampleRandom(5, 0, RandomPurpose.StartNoise).FillGaussian(values);
        var mean = values.Average();
        var variance = values.Select(v => (double)(v - mean) * (v - mean)).Average();
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(variance, 0.98, 1.02);
        Assert.InRange(values.Count(v => Math.Abs(v) > 1.96f) / (double)values.Length, 0.047, 0.053);
    }

    [Fact]
    public void Uniform_fill_stays_in_the_half_open_unit_interval()
    {
        var values = new float[100_000];
        new ExampleRandom(5, 1, RandomPurpose.StartImage).FillUniform(values);
        Assert.All(values, v => Assert.InRange(v, 0f, 0.99999995f));
        Assert.InRange(values.Average(), 0.495, 0.505);
    }

    [Fact]
    public void NextInt_refuses_a_non_positive_bound()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExampleRandom(1, 1, RandomPurpose.Target).NextInt(0));
    }

    private static ulong[] Draw(ExampleRandom random) => Enumerable.Range(0, 8).Select(_ => random.NextUInt64()).ToArray();
}
