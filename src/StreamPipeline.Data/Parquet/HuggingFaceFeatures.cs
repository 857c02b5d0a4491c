using System.Text.Json;

namespace StreamPipeline.Data.Parquet;

/// <summary>
/// The top-level features of a file's <c>huggingface</c> metadata (<c>{"info":{"features":{…}}}</c>, as <c>datasets</c>
/// writes it): which columns are an <c>Image</c>, which a <c>ClassLabel</c> and with which names. Nested features are not
/// looked into: an image or label column of a training set is a top-level column.
/// </summary>
internal sealed record HuggingFaceFeatures(IReadOnlyList<string> ImageColumns, IReadOnlyDictionary<string, IReadOnlyList<string>> ClassLabels)
{
    public static HuggingFaceFeatures None { get; } = new([], new Dictionary<string, IReadOnlyList<string>>());

    /// <summary>Reads the features from the metadata value (none when absent); <paramref name="source"/> names the file in errors.</summary>
    /// <exception cref="DataFormatException">The value is not JSON, or a ClassLabel's names are unusable.</exception>
    public static HuggingFaceFeatures Parse(string? json, string source)
    {
        if (string.IsNullOrEmpty(json))
            return None;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"{source}: metadata 'huggingface' is not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object
                || !doc.RootElement.TryGetProperty("info", out var info) || info.ValueKind != JsonValueKind.Object
                || !info.TryGetProperty("features", out var features) || features.ValueKind != JsonValueKind.Object)
                return None;
            var images = new List<string>();
            var labels = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            foreach (var column in features.EnumerateObject())
            {
                if (column.Value.ValueKind != JsonValueKind.Object || !column.Value.TryGetProperty("_type", out var type))
                    continue;
                switch (type.GetString())
                {
                    case "Image":
                        images.Add(column.Name);
                        break;
                    case "ClassLabel":
                        labels[column.Name] = ClassLabelNames(column.Value, $"{source}: ClassLabel '{column.Name}'");
                        break;
                }
            }
            return new HuggingFaceFeatures(images, labels);
        }
    }

    // `names` as datasets writes it; `num_classes` alone means numbered names (datasets' ClassLabel does the same).
    private static IReadOnlyList<string> ClassLabelNames(JsonElement feature, string source)
    {
        if (feature.TryGetProperty("names", out var names) && names.ValueKind == JsonValueKind.Array)
            return DatasetClasses.Checked(names.EnumerateArray().Select(n => n.ValueKind == JsonValueKind.String ? n.GetString() : null).ToArray(), source);
        if (feature.TryGetProperty("num_classes", out var count) && count.TryGetInt64(out var n) && n > 0)
            return DatasetClasses.Numbered(DatasetClasses.CheckedCount(n, $"{source}: num_classes"));
        throw new DataFormatException($"{source}: has neither 'names' nor 'num_classes'");
    }
}
