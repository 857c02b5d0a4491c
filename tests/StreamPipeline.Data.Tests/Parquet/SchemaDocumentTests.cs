using System.Text.Json;
using StreamPipeline.Data.Parquet;
using StreamPipeline.Data.Tests.Fixtures;

namespace StreamPipeline.Data.Tests.Parquet;

/// <summary>data-schemas/constructed-dataset-v2.* describe the files that are really written; the v1 pair still describes v1 files.</summary>
public sealed class SchemaDocumentTests
{
    private static readonly string SchemaDir = Path.Combine(ShardTestData.RepoRoot(), "data-schemas");

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Written_file_schema_matches_the_machine_readable_schema_document(int channels)
    {
        using var dir = new TempDirectory();
        var shape = ShardTestData.Shape(channels);
        string path = dir.File("part-00000.parquet");
        await using (var file = File.Create(path))
            await ParquetShardWriter.WriteAsync(file, ShardTestData.RandomRows(31, 6, shape), shape, ShardTestData.Metadata(shape).ToDictionary());

        var documented = DocumentedColumns(version: 2);

        Assert.Equal(documented, await ParquetShardReader.DescribeSchemaAsync(path));
        Assert.Equal(documented, await ConstructedDatasetSchema.DescribeAsync());
    }

    [Fact]
    public async Task Version_1_document_still_describes_a_file_written_by_the_version_1_program()
    {
        var v1File = Path.Combine(FixtureFiles.V1Job, "data", "part-00000.parquet");

        Assert.Equal(DocumentedColumns(version: 1), await ParquetShardReader.DescribeSchemaAsync(v1File));
        Assert.Equal("1", (await ParquetShardReader.ReadAsync(v1File)).Metadata[ConstructedDatasetSchema.SchemaVersionKey]);
    }

    [Fact]
    public void Schema_document_lists_the_version_and_required_metadata_keys_of_this_build()
    {
        using var doc = Document(version: 2);

        Assert.Equal(ConstructedDatasetSchema.Version, doc.RootElement.GetProperty("schema_version").GetInt32());
        Assert.Equal(
            ConstructedDatasetSchema.RequiredMetadataKeys,
            doc.RootElement.GetProperty("required_metadata").EnumerateArray().Select(e => e.GetProperty("key").GetString()!));
    }

    [Fact]
    public async Task Every_written_file_carries_the_required_metadata_keys_of_the_document()
    {
        using var dir = new TempDirectory();
        var shape = ShardTestData.Shape(1);
        string path = dir.File("part-00000.parquet");
        await ParquetShardWriter.WriteAtomicAsync(path, ShardTestData.RandomRows(32, 3, shape), shape, ShardTestData.Metadata(shape).ToDictionary());
        using var doc = Document(version: 2);

        var metadata = (await ParquetShardReader.ReadAsync(path)).Metadata;

        foreach (var key in doc.RootElement.GetProperty("required_metadata").EnumerateArray().Select(e => e.GetProperty("key").GetString()!))
            Assert.False(string.IsNullOrEmpty(metadata.GetValueOrDefault(key)), $"metadata key {key} missing");
        Assert.Equal("1,6,5", metadata[ConstructedDatasetSchema.ImageShapeKey]);
        Assert.Equal("2", metadata[ConstructedDatasetSchema.SchemaVersionKey]);
    }

    [Fact]
    public void Written_huggingface_features_are_the_documented_feature_of_each_column()
    {
        using var doc = Document(version: 2);
        string[] names = ["cat", "dog", "eel"];

        using var written = JsonDocument.Parse(ConstructedDatasetSchema.HuggingFaceFeaturesJson(names));
        var features = written.RootElement.GetProperty("info").GetProperty("features");

        var columns = doc.RootElement.GetProperty("columns").EnumerateArray().ToList();
        Assert.Equal(columns.Select(c => c.GetProperty("name").GetString()), features.EnumerateObject().Select(p => p.Name));
        foreach (var column in columns)
        {
            var feature = features.GetProperty(column.GetProperty("name").GetString()!);
            foreach (var documented in column.GetProperty("huggingface_feature").EnumerateObject())
                Assert.Equal(documented.Value.GetString(), feature.GetProperty(documented.Name).GetString());
            if (feature.GetProperty("_type").GetString() == "ClassLabel")
                Assert.Equal(names, feature.GetProperty("names").EnumerateArray().Select(e => e.GetString()));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Prose_document_mentions_every_column_and_metadata_key(int version)
    {
        string prose = File.ReadAllText(Path.Combine(SchemaDir, $"constructed-dataset-v{version}.md"));

        foreach (var column in DocumentedColumns(version))
            Assert.Contains($"`{column.Path}`", prose);
        foreach (string key in ConstructedDatasetSchema.RequiredMetadataKeys)
            Assert.Contains($"`{key}`", prose);
    }

    private static JsonDocument Document(int version) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(SchemaDir, $"constructed-dataset-v{version}.schema.json")));

    /// <summary>The document's columns flattened depth-first, struct fields as <c>parent.field</c>.</summary>
    private static List<ParquetColumnDescription> DocumentedColumns(int version)
    {
        using var doc = Document(version);
        var result = new List<ParquetColumnDescription>();
        void Add(JsonElement column, string prefix)
        {
            string path = prefix + column.GetProperty("name").GetString();
            var logical = column.GetProperty("logical_type");
            result.Add(new ParquetColumnDescription(
                path,
                column.GetProperty("physical_type").GetString()!,
                logical.ValueKind == JsonValueKind.Null ? null : logical.GetString(),
                column.GetProperty("nullable").GetBoolean()));
            if (column.TryGetProperty("fields", out var fields))
                foreach (var field in fields.EnumerateArray())
                    Add(field, path + ".");
        }
        foreach (var column in doc.RootElement.GetProperty("columns").EnumerateArray())
            Add(column, "");
        return result;
    }
}
