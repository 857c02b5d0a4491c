using System.Text.Json;
using DuckDB.NET.Data;
using Xunit.Abstractions;

namespace StreamPipeline.Cli.Tests.Build;

/// <summary>
/// What <c>build</c> writes opens in Hugging Face <c>datasets</c> with every feature (checked with
/// <see cref="HuggingFaceArrowSchema"/>), and its PNG values are the documented float32 rounding of the pixels.
/// Also run on every job under <c>$STREAM_PIPELINE_CHECK_JOBS</c> (see <see cref="BuiltJobs"/>).
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed class HuggingFaceOutputTests(TinyModelFixture fixture, ITestOutputHelper output)
{
    private static readonly string[] Columns = ["index", "label", "source_label", "start_index", "pixels", "image", "attack_success", "distance"];

    [Fact]
    public void Every_file_of_a_built_job_keeps_all_its_features_in_datasets()
    {
        var jobs = BuiltJobs.With(fixture.ReferenceBuild(DetBuild.Of(fixture).Flags()));
        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();

        foreach (var job in jobs)
        {
            var files = BuiltJobs.ShardFiles(job);
            Assert.NotEmpty(files);
            foreach (var file in files)
            {
                var kv = DuckDbRows.Query(db, $"SELECT key, value FROM parquet_kv_metadata('{Sql(file)}')")
                    .ToDictionary(r => DuckDbRows.Utf8(r[0]), r => DuckDbRows.Utf8(r[1]));
                var fields = HuggingFaceArrowSchema.FromParquetFile(db, file);
                var implied = HuggingFaceArrowSchema.FromFeatures(kv["huggingface"]);

                Assert.Equal(Columns, HuggingFaceArrowSchema.KeptFeatures(implied, fields));
                using var hf = JsonDocument.Parse(kv["huggingface"]);
                var names = hf.RootElement.GetProperty("info").GetProperty("features").GetProperty("label").GetProperty("names");
                Assert.Equal(JsonSerializer.Deserialize<string[]>(kv["stream_pipeline.classes"]), names.EnumerateArray().Select(n => n.GetString()));
            }
            output.WriteLine($"{job}: {files.Count} files, every feature kept");
        }
    }

    [Fact]
    public void Png_values_of_built_rows_are_the_float32_rounding_of_the_pixels()
    {
        var jobs = BuiltJobs.With(fixture.ReferenceBuild(DetBuild.Of(fixture).Flags()));
        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();

        foreach (var job in jobs)
        {
            var glob = Sql(Path.Combine(job, "data", "*.parquet"));
            var tally = PngRounding.Measure(DuckDbRows.Query(db, $"SELECT pixels, image.bytes FROM read_parquet('{glob}')")
                .Select(r => ((byte[])r[0]!, (byte[])r[1]!)));

            Assert.True(tally.Images > 0, $"{job}: no rows");
            Assert.Equal(0, tally.NotFloat32Rounding);
            output.WriteLine(
                $"{job}: {tally.Images} images, {tally.Values} values; a float64 reader differs by one level on {tally.ValuesWhereDoubleDiffers} values " +
                $"in {tally.ImagesWhereDoubleDiffers} images ({tally.DoubleDiffersShareOfImages:P2} of images)");
        }
    }

    private static string Sql(string path) => path.Replace("'", "''");
}
