using System.Text.Json;
using System.Text.Json.Nodes;
using Parquet;
using Parquet.Meta;
using Parquet.Schema;

namespace StreamPipeline.Data.Parquet;

/// <summary>The constructed-dataset Parquet schema, version 2: columns, metadata keys, and the Hugging Face features entry (see data-schemas/).</summary>
/// <remarks>
/// Why v2: Hugging Face <c>datasets</c> (2.17 and later) keeps a column's feature from the <c>huggingface</c> metadata only
/// when the Arrow field that feature implies equals the file's field: same name, type and nullability, struct children
/// included (huggingface/datasets @ b7cb10b, src/datasets/features/features.py: <c>Features.from_arrow_schema</c>,
/// lines 1972-1980, <c>metadata_features_schema.field(field.name) == field</c>; the same test in 2.17.0, line 1681).
/// The implied field comes from <c>Features.arrow_schema</c> = <c>pa.schema(get_nested_type(features))</c> (lines 1939-1947,
/// 1415-1431), built with <c>pa.struct({...})</c>, whose fields are all nullable. The types: <c>Value(dtype)</c> →
/// <c>string_to_arrow(dtype)</c> (lines 555-560, 128-160: int64, binary, bool, float32); <c>ClassLabel</c> → <c>pa.int64()</c>
/// (line 1037); <c>Image</c> → <c>pa.struct({"bytes": pa.binary(), "path": pa.string()})</c> (features/image.py line 92).
/// pyarrow reads a REQUIRED Parquet column as a non-nullable field, so v1's required columns and int32 labels made
/// <c>datasets</c> drop every feature but <c>start_index</c>. v2 writes every column OPTIONAL (the values are still never
/// null, except <c>start_index</c> and <c>image.path</c>) and the labels as int64, with real class names.
/// </remarks>
public static class ConstructedDatasetSchema
{
    /// <summary>The schema version this build writes.</summary>
    public const int Version = 2;

    /// <summary>The schema versions this build reads: v1 files (required columns, int32 labels) stay readable.</summary>
    public static IReadOnlyList<int> ReadableVersions { get; } = [1, 2];

    public const string SchemaVersionKey = "stream_pipeline.schema_version";
    /// <summary>Image shape as <c>C,H,W</c>.</summary>
    public const string ImageShapeKey = "stream_pipeline.image_shape";
    /// <summary>The resolved job spec, as JSON.</summary>
    public const string JobSpecKey = "stream_pipeline.job_spec";
    public const string SpecHashKey = "stream_pipeline.spec_hash";
    /// <summary>SHA-256 (hex) of the model checkpoint used to construct the data.</summary>
    public const string ModelSha256Key = "stream_pipeline.model_sha256";
    /// <summary>The attack parameters, as JSON.</summary>
    public const string AttackKey = "stream_pipeline.attack";
    /// <summary>The class names as a JSON array of strings; its length is the number of classes.</summary>
    public const string ClassesKey = "stream_pipeline.classes";
    /// <summary>The Hugging Face <c>datasets</c> features entry (<c>image</c> as Image, <c>label</c> as ClassLabel).</summary>
    public const string HuggingFaceKey = "huggingface";

    /// <summary>Every key a file (v1 or v2) must carry in its key-value metadata.</summary>
    public static IReadOnlyList<string> RequiredMetadataKeys { get; } =
    [
        SchemaVersionKey, ImageShapeKey, JobSpecKey, SpecHashKey, ModelSha256Key, AttackKey, ClassesKey, HuggingFaceKey,
    ];

    // Every field is nullable (OPTIONAL): see the remarks. Writers give definition levels; readers refuse nulls where v2 has none.
    public static DataField<long> Index { get; } = new("index", true);
    /// <summary>int64, as <c>datasets</c>' ClassLabel.</summary>
    public static DataField<long> Label { get; } = new("label", true);
    public static DataField<long> SourceLabel { get; } = new("source_label", true);
    public static DataField<long> StartIndex { get; } = new("start_index", true);
    /// <summary>Exact float32 little-endian C×H×W values.</summary>
    public static DataField<byte[]> Pixels { get; } = new("pixels", true);
    /// <summary>PNG bytes of the image (field of <see cref="Image"/>).</summary>
    public static DataField<byte[]> ImageBytes { get; } = new("bytes", true);
    /// <summary>Always null: the image lives in <see cref="ImageBytes"/> (field of <see cref="Image"/>).</summary>
    public static DataField<string> ImagePath { get; } = new("path", true);
    /// <summary><c>struct&lt;bytes: binary, path: string&gt;</c>, the Hugging Face <c>datasets</c> Image convention.</summary>
    public static StructField Image { get; } = new("image", ImageBytes, ImagePath);
    public static DataField<bool> AttackSuccess { get; } = new("attack_success", true);
    public static DataField<float> Distance { get; } = new("distance", true);

    /// <summary>The v2 schema, declared once; columns are written in this order.</summary>
    public static ParquetSchema Schema { get; } =
        new(Index, Label, SourceLabel, StartIndex, Pixels, Image, AttackSuccess, Distance);

    /// <summary>The schema a file of <paramref name="version"/> has (one of <see cref="ReadableVersions"/>).</summary>
    internal static ParquetSchema SchemaOf(int version) => version switch
    {
        1 => ConstructedDatasetSchemaV1.Schema,
        Version => Schema,
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, "not a readable schema version"),
    };

    /// <summary>Class names "0" … "C-1", used when a source dataset has no names (<see cref="DatasetClasses.Numbered"/>).</summary>
    public static IReadOnlyList<string> DefaultClassNames(int classes) => DatasetClasses.Numbered(classes);

    /// <summary>The <c>huggingface</c> metadata value that makes <c>datasets</c> read <c>image</c> as Image and the labels as ClassLabel.</summary>
    public static string HuggingFaceFeaturesJson(IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        if (classNames.Count == 0) throw new ArgumentException("At least one class name is needed.", nameof(classNames));
        JsonObject Value(string dtype) => new() { ["dtype"] = dtype, ["_type"] = "Value" };
        JsonObject ClassLabel() => new() { ["names"] = new JsonArray(classNames.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()), ["_type"] = "ClassLabel" };
        // One entry per column of Schema, in its order; each implies exactly the Arrow field the column is read as.
        var features = new JsonObject
        {
            [Index.Name] = Value("int64"),
            [Label.Name] = ClassLabel(),
            [SourceLabel.Name] = ClassLabel(),
            [StartIndex.Name] = Value("int64"),
            [Pixels.Name] = Value("binary"),
            [Image.Name] = new JsonObject { ["_type"] = "Image" },
            [AttackSuccess.Name] = Value("bool"),
            [Distance.Name] = Value("float32"),
        };
        return new JsonObject { ["info"] = new JsonObject { ["features"] = features } }.ToJsonString();
    }

    /// <summary>The declared schema as it lands in a file's footer (written to memory and read back), for comparison with data-schemas/.</summary>
    public static async Task<IReadOnlyList<ParquetColumnDescription>> DescribeAsync(CancellationToken ct = default)
    {
        using var ms = new MemoryStream();
        await using (await ParquetWriter.CreateAsync(Schema, ms, null, false, ct))
        {
            // No row group: only the footer with the schema is written.
        }
        ms.Position = 0;
        await using var reader = await ParquetReader.CreateAsync(ms, null, false, ct);
        return Describe(reader.Metadata!.Schema);
    }

    /// <summary>Describes a file's raw schema elements (depth-first, root first) as dotted column paths with physical and logical types.</summary>
    internal static IReadOnlyList<ParquetColumnDescription> Describe(IReadOnlyList<SchemaElement> elements)
    {
        var result = new List<ParquetColumnDescription>();
        int next = 1; // element 0 is the root
        int rootChildren = elements.Count > 0 ? elements[0].NumChildren ?? 0 : 0;
        for (int i = 0; i < rootChildren; i++)
            Walk(prefix: "");
        return result;

        void Walk(string prefix)
        {
            if (next >= elements.Count) throw new DataFormatException("Parquet schema: fewer elements than the tree declares.");
            SchemaElement e = elements[next++];
            string path = prefix + e.Name;
            int children = e.NumChildren ?? 0;
            bool isGroup = children > 0 || e.Type is null;
            result.Add(new ParquetColumnDescription(
                path,
                isGroup ? "GROUP" : e.Type!.Value.ToString(),
                LogicalTypeName(e),
                e.RepetitionType != FieldRepetitionType.REQUIRED));
            for (int c = 0; c < children; c++)
                Walk(path + ".");
        }
    }

    private static string? LogicalTypeName(SchemaElement e)
    {
        LogicalType? lt = e.LogicalType;
        if (lt?.INTEGER is { } it) return $"INTEGER({it.BitWidth},{(it.IsSigned ? "signed" : "unsigned")})";
        if (lt?.STRING is not null) return "STRING";
        if (lt is not null)
        {
            // Any other logical type: its property name, as the Parquet specification spells it.
            var set = typeof(LogicalType).GetProperties().FirstOrDefault(p => p.GetValue(lt) is not null);
            if (set is not null) return set.Name;
        }
        return e.ConvertedType?.ToString();
    }

    /// <summary>Checks that a JSON text parses; the message names the key.</summary>
    internal static void RequireJson(string key, string value, string source)
    {
        try
        {
            using var _ = JsonDocument.Parse(value);
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"{source}: metadata '{key}' is not valid JSON: {e.Message}", e);
        }
    }
}
