using System.Text.Json;
using StreamPipeline.Data;

namespace StreamPipeline.Cli.Tests.Build;

/// <summary>What a D_det build writes, read back with DuckDB and checked against the source IDX files.</summary>
[Collection(BuildTestCollection.Name)]
public sealed class BuildOutputTests(TinyModelFixture fixture)
{
    // 100 examples in shards of 32 and batches of 12: short last batches and a short last shard.
    private readonly DetBuild _build = DetBuild.Of(fixture);

    private string Built() => fixture.ReferenceBuild(_build.Flags());

    [Fact]
    public void Det_build_writes_one_row_per_example_labelled_with_the_next_class_within_the_eps_ball()
    {
        using var data = new BuiltDataset(Built());
        var rows = data.Rows();

        Assert.Equal(_build.Limit, data.Count());
        Assert.Equal(Enumerable.Range(0, _build.Limit).Select(i => (long)i), rows.Select(r => r.Index));
        foreach (var row in rows)
        {
            Assert.Equal(fixture.SourceLabel(row.Index), row.SourceLabel);
            Assert.Equal((row.SourceLabel + 1) % TinyModelFixture.Classes, row.Label);
            Assert.Null(row.StartIndex);
            var source = fixture.SourcePixels(row.Index);
            var pixels = row.PixelValues();
            Assert.Equal(source.Length, pixels.Length);
            Assert.All(pixels, v => Assert.InRange(v, 0f, 1f));
            var norm = Math.Sqrt(pixels.Zip(source, (a, b) => (double)(a - b) * (a - b)).Sum());
            Assert.True(norm <= _build.Eps + 1e-4, $"row {row.Index}: ||x_adv - x||2 = {norm} > eps {_build.Eps}");
            Assert.Equal(norm, row.Distance, 1e-4);
        }
        // Not a requirement of the format, but a PGD that never moved would pass every check above.
        Assert.Contains(rows, r => r.Distance > 0.1f);
    }

    [Fact]
    public void Det_build_files_have_the_v2_columns_and_metadata_and_png_images_of_the_pixels()
    {
        var jobDir = Built();
        var manifest = JobManifest.Read(jobDir);
        manifest.AssertConsistentWith(jobDir);
        Assert.Equal(4, manifest.Shards.Count);
        Assert.All(manifest.Shards, s => Assert.True(s.IsDone));
        using var data = new BuiltDataset(jobDir);

        Assert.Equal(
            [
                ("index", "BIGINT"), ("label", "BIGINT"), ("source_label", "BIGINT"), ("start_index", "BIGINT"),
                ("pixels", "BLOB"), ("image", "STRUCT(bytes BLOB, path VARCHAR)"), ("attack_success", "BOOLEAN"), ("distance", "FLOAT"),
            ],
            data.Columns());

        var metadata = data.KeyValueMetadata();
        Assert.Equal(manifest.Shards.Select(s => s.File!).Order(), metadata.Keys.Order());
        using var sidecar = JsonDocument.Parse(File.ReadAllText(fixture.Model + ".json"));
        var weightsSha = sidecar.RootElement.GetProperty("weights_sha256").GetString();
        foreach (var (file, kv) in metadata)
        {
            Assert.Equal("2", kv["stream_pipeline.schema_version"]);
            Assert.Equal("1,8,8", kv["stream_pipeline.image_shape"]);
            Assert.Equal(manifest.SpecHash, kv["stream_pipeline.spec_hash"]);
            Assert.Equal(manifest.ModelSha256, kv["stream_pipeline.model_sha256"]);
            Assert.Equal(weightsSha, kv["stream_pipeline.model_sha256"]);
            Assert.Equal(JobManifest.Sha256Of(fixture.Model), kv["stream_pipeline.model_sha256"]);
            Assert.Equal("[\"0\",\"1\",\"2\",\"3\"]", kv["stream_pipeline.classes"]);
            using var spec = JsonDocument.Parse(kv["stream_pipeline.job_spec"]);
            Assert.Equal("det", spec.RootElement.GetProperty("construction").GetString());
            Assert.Equal(fixture.SourceReference, spec.RootElement.GetProperty("data").GetString());
            Assert.Equal(_build.Limit, spec.RootElement.GetProperty("limit").GetInt64());
            using var attack = JsonDocument.Parse(kv["stream_pipeline.attack"]);
            Assert.Equal("l2", attack.RootElement.GetProperty("norm").GetString());
            Assert.Equal(_build.Eps, attack.RootElement.GetProperty("eps").GetDouble());
            Assert.Equal(_build.Steps, attack.RootElement.GetProperty("steps").GetInt32());
            using var hf = JsonDocument.Parse(kv["huggingface"]);
            var features = hf.RootElement.GetProperty("info").GetProperty("features");
            Assert.Equal("Image", features.GetProperty("image").GetProperty("_type").GetString());
            Assert.Equal(["0", "1", "2", "3"], features.GetProperty("label").GetProperty("names").EnumerateArray().Select(e => e.GetString()));
            Assert.StartsWith("part-", file, StringComparison.Ordinal);
        }

        foreach (var row in data.Rows())
        {
            Assert.Null(row.ImagePath);
            var decoded = PngCodec.Decode(row.Png, out var shape);
            Assert.Equal(new ImageShape(1, 8, 8), shape);
            var pixels = row.PixelValues();
            for (var i = 0; i < pixels.Length; i++)
            {
                // 8-bit rounding of the exact pixel: within half a grey level.
                Assert.True(Math.Abs(decoded[i] - pixels[i]) <= 0.5 / 255 + 1e-6,
                    $"row {row.Index} pixel {i}: PNG {decoded[i] * 255} vs exact {pixels[i] * 255} (x255)");
            }
        }
    }
}
