using System.Text.Json;
using StreamPipeline.Data.Parquet;

namespace StreamPipeline.Data.Tests.Parquet;

/// <summary>data-schemas/constructed-dataset-v1.* describe the files that are really written.</summary>
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

        var documented = DocumentedColumns();

        Assert.Equal(documented, await ParquetShardReader.DescribeSchemaAsync(path));
        Assert.Equal(documented, await ConstructedDatasetSchema.DescribeAsync());
    }

    [Fact]
    public void Schema_document_lists_the_version_and_required_metadata_keys_of_this_build()
    {
        using var doc = Document();

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
        using var doc = Document();

        var metadata = (await ParquetShardReader.ReadAsync(path)).Metadata;

        foreach (var key in doc.RootElement.GetProperty("required_metadata").EnumerateArray().Select(e => e.GetProperty("key").GetString()!))
            Assert.False(string.IsNullOrEmpty(metadata.GetValueOrDefault(key)), $"metadata key {key} missing");
        Assert.Equal("1,6,5", metadata[ConstructedDatasetSchema.ImageShapeKey]);
    }

    [Fact]
    public void Prose_document_mentions_every_column_and_metadata_key()
    {
        string prose = File.ReadAllText(Path.Combine(SchemaDir, "constructed-dataset-v1.md"));

        foreach (var column in DocumentedColumns())
            Assert.Contains($"`{column.Path}`", prose);
        foreach (string key in ConstructedDatasetSchema.RequiredMetadataKeys)
            Assert.Contains($"`{key}`", prose);
    }

    private static JsonDocument Document() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(SchemaDir, "constructed-dataset-v1.schema.json")));

    /// <summary>The document's columns flattened depth-first, struct fields as <c>parent.field</c>.</summary>
    private static List<ParquetColumnDescription> DocumentedColumns()
    {
        using var doc = Document();
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
