using System.Text.Json;
using System.Text.Json.Nodes;
using Parquet;
using Parquet.Meta;
using Parquet.Schema;

namespace StreamPipeline.Data.Parquet;

/// <summary>The constructed-dataset Parquet schema, version 1: columns, metadata keys, and the Hugging Face features entry (see data-schemas/).</summary>
public static class ConstructedDatasetSchema
{
    /// <summary>The schema version this build writes and reads.</summary>
    public const int Version = 1;

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

    /// <summary>Every key a v1 file must carry in its key-value metadata.</summary>
    public static IReadOnlyList<string> RequiredMetadataKeys { get; } =
    [
        SchemaVersionKey, ImageShapeKey, JobSpecKey, SpecHashKey, ModelSha256Key, AttackKey, ClassesKey, HuggingFaceKey,
    ];

    public static DataField<long> Index { get; } = new("index", false);
    public static DataField<int> Label { get; } = new("label", false);
    public static DataField<int> SourceLabel { get; } = new("source_label", false);
    public static DataField<long?> StartIndex { get; } = new("start_index", true);
    /// <summary>Exact float32 little-endian C×H×W values.</summary>
    public static DataField<byte[]> Pixels { get; } = new("pixels", false);
    /// <summary>PNG bytes of the image (field of <see cref="Image"/>).</summary>
    public static DataField<byte[]> ImageBytes { get; } = new("bytes", false);
    /// <summary>Always null: the image lives in <see cref="ImageBytes"/> (field of <see cref="Image"/>).</summary>
    public static DataField<string> ImagePath { get; } = new("path", true);
    /// <summary><c>struct&lt;bytes: binary, path: string&gt;</c>, the Hugging Face <c>datasets</c> Image convention.</summary>
    public static StructField Image { get; } = new("image", ImageBytes, ImagePath);
    public static DataField<bool> AttackSuccess { get; } = new("attack_success", false);
    public static DataField<float> Distance { get; } = new("distance", false);

    /// <summary>The v1 schema, declared once; columns are written in this order.</summary>
    public static ParquetSchema Schema { get; } =
        new(Index, Label, SourceLabel, StartIndex, Pixels, Image, AttackSuccess, Distance);

    /// <summary>Class names "0" … "C-1", used when a source dataset has no names.</summary>
    public static IReadOnlyList<string> DefaultClassNames(int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        return Enumerable.Range(0, classes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>The <c>huggingface</c> metadata value that makes <c>datasets</c> read <c>image</c> as Image and the labels as ClassLabel.</summary>
    public static string HuggingFaceFeaturesJson(IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        if (classNames.Count == 0) throw new ArgumentException("At least one class name is needed.", nameof(classNames));
        JsonObject Value(string dtype) => new() { ["dtype"] = dtype, ["_type"] = "Value" };
        JsonObject ClassLabel() => new() { ["names"] = new JsonArray(classNames.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()), ["_type"] = "ClassLabel" };
        var features = new JsonObject
        {
            ["index"] = Value("int64"),
            ["label"] = ClassLabel(),
            ["source_label"] = ClassLabel(),
            ["start_index"] = Value("int64"),
            ["pixels"] = Value("binary"),
            ["image"] = new JsonObject { ["_type"] = "Image" },
            ["attack_success"] = Value("bool"),
            ["distance"] = Value("float32"),
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
