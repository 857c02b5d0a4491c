using DuckDB.NET.Data;
using StreamPipeline.Data.Parquet;
using StreamPipeline.Data.Tests.Fixtures;

namespace StreamPipeline.Data.Tests.Parquet;

/// <summary>
/// Hugging Face <c>datasets</c> opens a written file with every feature of its metadata: <c>image</c> as Image, the labels
/// as ClassLabel. Python <c>datasets</c> is not installable here, so <see cref="HuggingFaceArrowSchema"/> does what it
/// does: the Arrow schema the metadata implies, against the file's schema read by DuckDB.
/// </summary>
public sealed class HuggingFaceCompatibilityTests
{
    private static readonly string[] AllColumns =
        ["index", "label", "source_label", "start_index", "pixels", "image", "attack_success", "distance"];

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Datasets_keeps_every_feature_of_a_written_file(int channels)
    {
        using var dir = new TempDirectory();
        var shape = ShardTestData.Shape(channels);
        var names = channels == 1 ? KnownDatasets.FashionMnist.ClassNames : KnownDatasets.Cifar10.ClassNames;
        var path = dir.File("part-00000.parquet");
        await ParquetShardWriter.WriteAtomicAsync(path, ShardTestData.RandomRows(40 + channels, 9, shape), ShardTestData.Metadata(shape) with { ClassNames = names });
        using var db = Open();

        var file = HuggingFaceArrowSchema.FromParquetFile(db, path);
        var implied = HuggingFaceArrowSchema.FromFeatures(HuggingFaceMetadata(db, path));

        Assert.Equal(AllColumns, file.Select(f => f.Name));
        Assert.Equal(file.Select(f => f.Field), file.Select(f => implied[f.Name])); // field by field, children and nullability included
        Assert.Equal(AllColumns, HuggingFaceArrowSchema.KeptFeatures(implied, file));
        Assert.Equal("image: struct<bytes: binary, path: string>", file.Single(f => f.Name == "image").Field);
        Assert.Equal("label: int64", file.Single(f => f.Name == "label").Field);
    }

    [Fact]
    public void Datasets_keeps_only_start_index_of_a_version_1_file()
    {
        // A file written by the program before v2 (see FixtureFiles.V1Job): the failure this version fixes.
        var path = Path.Combine(FixtureFiles.V1Job, "data", "part-00000.parquet");
        using var db = Open();

        var file = HuggingFaceArrowSchema.FromParquetFile(db, path);
        var implied = HuggingFaceArrowSchema.FromFeatures(HuggingFaceMetadata(db, path));

        Assert.Equal(["start_index"], HuggingFaceArrowSchema.KeptFeatures(implied, file));
        Assert.Equal("label: int32 not null", file.Single(f => f.Name == "label").Field);
        Assert.Equal("label: int64", implied["label"]);
        Assert.Equal("image: struct<bytes: binary not null, path: string>", file.Single(f => f.Name == "image").Field);
        Assert.Equal("image: struct<bytes: binary, path: string>", implied["image"]);
    }

    [Fact]
    public void Derivation_keeps_the_features_of_a_file_in_the_hub_layout_written_by_another_writer()
    {
        // DuckDB, like pyarrow, writes nullable columns: a Hub-style file keeps its Image and ClassLabel features, so the
        // derivation does not merely agree with this program's writer.
        using var dir = new TempDirectory();
        var path = dir.File("train-00000-of-00001.parquet");
        HubParquet.Write(path, [new(FixtureFiles.Image("rgb-0.jpg"), 1), new(FixtureFiles.Image("rgb-1.jpg"), 0)], HubParquet.Features(classNames: ["a", "b"]));
        using var db = Open();

        var file = HuggingFaceArrowSchema.FromParquetFile(db, path);

        Assert.Equal(["img", "label"], HuggingFaceArrowSchema.KeptFeatures(HuggingFaceArrowSchema.FromFeatures(HuggingFaceMetadata(db, path)), file));
    }

    [Fact]
    public async Task Written_class_label_names_are_the_metadata_class_names()
    {
        using var dir = new TempDirectory();
        var shape = ShardTestData.Shape(1);
        var path = dir.File("part-00000.parquet");
        await ParquetShardWriter.WriteAtomicAsync(path, ShardTestData.RandomRows(3, 4, shape), ShardTestData.Metadata(shape) with { ClassNames = KnownDatasets.FashionMnist.ClassNames });
        using var db = Open();

        using var hf = System.Text.Json.JsonDocument.Parse(HuggingFaceMetadata(db, path));
        var features = hf.RootElement.GetProperty("info").GetProperty("features");

        foreach (var column in new[] { "label", "source_label" })
            Assert.Equal(KnownDatasets.FashionMnist.ClassNames, features.GetProperty(column).GetProperty("names").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(KnownDatasets.FashionMnist.ClassNames, (await ParquetShardReader.ReadLabelsAsync(path)).Metadata.ClassNames);
    }

    [Fact]
    public void Metadata_with_a_duplicated_class_name_is_refused_before_anything_is_written()
    {
        var shape = ShardTestData.Shape(1);
        var metadata = ShardTestData.Metadata(shape) with { ClassNames = ["cat", "dog", "cat"] };

        var e = Assert.Throws<ArgumentException>(() => metadata.ToDictionary());
        Assert.Contains("'cat' is given twice", e.Message);
    }

    private static DuckDBConnection Open()
    {
        var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        return db;
    }

    private static string HuggingFaceMetadata(DuckDBConnection db, string path) =>
        DuckDbRows.Query(db, $"SELECT key, value FROM parquet_kv_metadata('{path.Replace("'", "''")}')")
            .Where(r => DuckDbRows.Utf8(r[0]) == ConstructedDatasetSchema.HuggingFaceKey)
            .Select(r => DuckDbRows.Utf8(r[1]))
            .Single();
}
