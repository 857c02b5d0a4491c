using StreamPipeline.Data;

namespace StreamPipeline.Cli.Tests.Build;

/// <summary>Comparisons of two built job directories.</summary>
public static class DatasetAssert
{
    /// <summary>Both datasets hold the same rows, every column equal, pixels and PNG byte for byte (read with DuckDB).</summary>
    public static void SameRows(string expectedJobDir, string actualJobDir)
    {
        using var expectedData = new BuiltDataset(expectedJobDir);
        using var actualData = new BuiltDataset(actualJobDir);
        var expected = expectedData.Rows();
        var actual = actualData.Rows();
        Assert.Equal(expected.Select(r => r.Index), actual.Select(r => r.Index));
        var differing = expected.Zip(actual).Where(p => !p.First.Pixels.AsSpan().SequenceEqual(p.Second.Pixels)).ToList();
        // On failure, say how far apart the pixels are: rounding noise and a wrong image look the same to SequenceEqual.
        Assert.True(differing.Count == 0,
            $"{differing.Count} of {expected.Count} rows differ in pixels, first at index {differing.FirstOrDefault().First?.Index}, " +
            $"largest |difference| {differing.SelectMany(p => p.First.PixelValues().Zip(p.Second.PixelValues(), (a, b) => Math.Abs(a - b))).DefaultIfEmpty().Max():G3}");
        for (var i = 0; i < expected.Count; i++)
        {
            var (want, got) = (expected[i], actual[i]);
            Assert.True(want.Png.AsSpan().SequenceEqual(got.Png), $"row {want.Index}: PNG bytes differ");
            // Records compare byte[] by reference: the arrays were compared above, the rest is compared with them swapped out.
            Assert.Equal(want with { Pixels = Array.Empty<byte>(), Png = Array.Empty<byte>() }, got with { Pixels = Array.Empty<byte>(), Png = Array.Empty<byte>() });
        }
    }

    /// <summary>
    /// The same rows up to float rounding: equal indices, labels and attack success, pixels and distances within
    /// <paramref name="tolerance"/>, PNG grey levels at most one apart (a pixel near a rounding boundary may tip over).
    /// </summary>
    public static void SameRowsUpToRounding(string expectedJobDir, string actualJobDir, float tolerance)
    {
        using var expectedData = new BuiltDataset(expectedJobDir);
        using var actualData = new BuiltDataset(actualJobDir);
        var expected = expectedData.Rows();
        var actual = actualData.Rows();
        Assert.Equal(expected.Select(r => (r.Index, r.Label, r.SourceLabel, r.StartIndex, r.ImagePath, r.AttackSuccess)),
            actual.Select(r => (r.Index, r.Label, r.SourceLabel, r.StartIndex, r.ImagePath, r.AttackSuccess)));
        foreach (var (want, got) in expected.Zip(actual))
        {
            var largest = want.PixelValues().Zip(got.PixelValues(), (a, b) => Math.Abs(a - b)).Max();
            Assert.True(largest <= tolerance, $"row {want.Index}: pixels differ by up to {largest:G3}");
            Assert.Equal(want.Distance, got.Distance, tolerance);
            var wantPng = PngCodec.Decode(want.Png, out _);
            var gotPng = PngCodec.Decode(got.Png, out _);
            Assert.True(wantPng.Zip(gotPng, (a, b) => Math.Abs(a - b)).Max() <= 1.5f / 255, $"row {want.Index}: PNG images differ by more than one grey level");
        }
    }

    /// <summary>The manifests list the same shards with the same SHA-256: the shard files are byte-identical.</summary>
    public static void SameShardFiles(string expectedJobDir, string actualJobDir)
    {
        var expected = JobManifest.Read(expectedJobDir);
        var actual = JobManifest.Read(actualJobDir);
        Assert.Equal(expected.SpecHash, actual.SpecHash);
        Assert.Equal(
            expected.Shards.Select(s => (s.Id, s.Status, s.File, s.Sha256, s.Bytes)),
            actual.Shards.Select(s => (s.Id, s.Status, s.File, s.Sha256, s.Bytes)));
    }
}
