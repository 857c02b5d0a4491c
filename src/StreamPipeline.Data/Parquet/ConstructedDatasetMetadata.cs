using System.Globalization;
using System.Text.Json;

namespace StreamPipeline.Data.Parquet;

/// <summary>The key-value metadata every constructed-dataset file carries (schema v1 or v2), typed; converts to and from the file's string pairs.</summary>
public sealed record ConstructedDatasetMetadata(
    ImageShape Shape,
    IReadOnlyList<string> ClassNames,
    string JobSpecJson,
    string SpecHash,
    string ModelSha256,
    string AttackJson)
{
    /// <summary>Number of classes (labels are in [0, Classes)).</summary>
    public int Classes => ClassNames.Count;

    /// <summary>The string pairs to store as the file's key-value metadata: the version this build writes, and the Hugging Face features entry.</summary>
    /// <exception cref="ArgumentException">The class names are empty, or one is empty or given twice (<c>datasets</c> would refuse the file).</exception>
    public IReadOnlyDictionary<string, string> ToDictionary()
    {
        ArgumentNullException.ThrowIfNull(Shape);
        ArgumentNullException.ThrowIfNull(ClassNames);
        try
        {
            DatasetClasses.Checked(ClassNames, "class names");
        }
        catch (DataFormatException e)
        {
            throw new ArgumentException(e.Message, nameof(ClassNames), e);
        }
        return new Dictionary<string, string>
        {
            [ConstructedDatasetSchema.SchemaVersionKey] = ConstructedDatasetSchema.Version.ToString(CultureInfo.InvariantCulture),
            [ConstructedDatasetSchema.ImageShapeKey] = FormatShape(Shape),
            [ConstructedDatasetSchema.JobSpecKey] = JobSpecJson,
            [ConstructedDatasetSchema.SpecHashKey] = SpecHash,
            [ConstructedDatasetSchema.ModelSha256Key] = ModelSha256,
            [ConstructedDatasetSchema.AttackKey] = AttackJson,
            [ConstructedDatasetSchema.ClassesKey] = JsonSerializer.Serialize(ClassNames),
            [ConstructedDatasetSchema.HuggingFaceKey] = ConstructedDatasetSchema.HuggingFaceFeaturesJson(ClassNames),
        };
    }

    /// <summary>Reads and checks a file's key-value metadata; <paramref name="source"/> names the file in error messages.</summary>
    /// <exception cref="DataFormatException">A required key is missing or a value is malformed or of a schema version this build does not read.</exception>
    public static ConstructedDatasetMetadata Parse(IReadOnlyDictionary<string, string> metadata, string source)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        foreach (string key in ConstructedDatasetSchema.RequiredMetadataKeys)
            if (!metadata.TryGetValue(key, out string? v) || string.IsNullOrEmpty(v))
                throw new DataFormatException($"{source}: metadata key '{key}' is missing (not a StreamPipeline constructed-dataset file?).");

        VersionOf(metadata, source);

        var shape = ParseShape(metadata[ConstructedDatasetSchema.ImageShapeKey], source);

        string[]? names;
        try
        {
            names = JsonSerializer.Deserialize<string[]>(metadata[ConstructedDatasetSchema.ClassesKey]);
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"{source}: metadata '{ConstructedDatasetSchema.ClassesKey}' is not a JSON array of strings: {e.Message}", e);
        }
        if (names is null || names.Length == 0 || names.Any(n => n is null))
            throw new DataFormatException($"{source}: metadata '{ConstructedDatasetSchema.ClassesKey}' must be a non-empty JSON array of class names.");
        DatasetClasses.Checked(names, $"{source}: metadata '{ConstructedDatasetSchema.ClassesKey}'");

        ConstructedDatasetSchema.RequireJson(ConstructedDatasetSchema.JobSpecKey, metadata[ConstructedDatasetSchema.JobSpecKey], source);
        ConstructedDatasetSchema.RequireJson(ConstructedDatasetSchema.AttackKey, metadata[ConstructedDatasetSchema.AttackKey], source);
        ConstructedDatasetSchema.RequireJson(ConstructedDatasetSchema.HuggingFaceKey, metadata[ConstructedDatasetSchema.HuggingFaceKey], source);

        return new ConstructedDatasetMetadata(
            shape,
            names,
            metadata[ConstructedDatasetSchema.JobSpecKey],
            metadata[ConstructedDatasetSchema.SpecHashKey],
            metadata[ConstructedDatasetSchema.ModelSha256Key],
            metadata[ConstructedDatasetSchema.AttackKey]);
    }

    /// <summary>The schema version a file's metadata declares, one of <see cref="ConstructedDatasetSchema.ReadableVersions"/>.</summary>
    /// <exception cref="DataFormatException">The version is missing, malformed, or not one this build reads.</exception>
    public static int VersionOf(IReadOnlyDictionary<string, string> metadata, string source)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var text = metadata.GetValueOrDefault(ConstructedDatasetSchema.SchemaVersionKey);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version) || !ConstructedDatasetSchema.ReadableVersions.Contains(version))
            throw new DataFormatException(
                $"{source}: schema version '{text}' is not supported (this build reads {string.Join(" and ", ConstructedDatasetSchema.ReadableVersions)}).");
        return version;
    }

    /// <summary>The <c>C,H,W</c> text of a shape.</summary>
    public static string FormatShape(ImageShape shape) =>
        string.Create(CultureInfo.InvariantCulture, $"{shape.Channels},{shape.Height},{shape.Width}");

    private static ImageShape ParseShape(string text, string source)
    {
        string[] parts = text.Split(',');
        var dims = new int[3];
        if (parts.Length != 3 || !Enumerable.Range(0, 3).All(i =>
                int.TryParse(parts[i].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out dims[i]) && dims[i] > 0))
            throw new DataFormatException($"{source}: metadata '{ConstructedDatasetSchema.ImageShapeKey}' = '{text}' is not three positive integers C,H,W.");
        if ((long)dims[0] * dims[1] * dims[2] * sizeof(float) > int.MaxValue)
            throw new DataFormatException($"{source}: metadata '{ConstructedDatasetSchema.ImageShapeKey}' = '{text}' is too large for one image.");
        return new ImageShape(dims[0], dims[1], dims[2]);
    }
}
