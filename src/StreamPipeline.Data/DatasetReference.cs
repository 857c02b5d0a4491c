using StreamPipeline.Data.Readers;

namespace StreamPipeline.Data;

/// <summary>Opens a dataset from its reference string, e.g. <c>fashion-mnist:train</c> or <c>cifar10:/data/cifar:test</c>.</summary>
public static class DatasetReference
{
    /// <summary>The accepted forms, for messages and help text.</summary>
    public const string Forms = "fashion-mnist:train|test, cifar10:DIR:train|test, idx:IMAGES,LABELS[?classes=N], folder:DIR, parquet:JOBDIR[?partial], parquet:FILE|DIR|GLOB[?image=COL&label=COL]";

    /// <summary>Opens <paramref name="reference"/>; bad syntax → <see cref="ArgumentException"/>, bad data → <see cref="DataFormatException"/>.</summary>
    public static IImageDataset Open(string reference, DatasetOptions? options = null)
    {
        options ??= new DatasetOptions();
        if (options.Limit is < 1)
            throw new ArgumentException($"Dataset limit must be at least 1, got {options.Limit}");
        var (body, query) = SplitOptions(reference);
        var colon = body.IndexOf(':');
        var scheme = colon < 0 ? body : body[..colon];
        var rest = colon < 0 ? "" : body[(colon + 1)..];
        var settings = ReferenceOptions.Parse(reference, query);
        switch (scheme)
        {
            case KnownDatasets.FashionMnistName when rest is "train" or "test":
                settings.RequireOnly();
                var root = options.DataRoot ?? KnownDatasets.FashionMnist.DefaultRoot!;
                var prefix = rest == "train" ? "train" : "t10k";
                return IdxDataset.Open(reference,
                    GzipOrRaw(Path.Combine(root, $"{prefix}-images-idx3-ubyte")),
                    GzipOrRaw(Path.Combine(root, $"{prefix}-labels-idx1-ubyte")),
                    classes: null, options.Limit, KnownDatasets.FashionMnist.ClassNames);
            case KnownDatasets.Cifar10Name when SplitLast(rest, ':') is ({ Length: > 0 } directory, ("train" or "test") and var split):
                settings.RequireOnly();
                if (!Directory.Exists(directory))
                    throw new DataFormatException($"{InputText.Show(directory)}: CIFAR-10 folder not found");
                return Cifar10Dataset.Open(reference, directory, train: split == "train", options.Limit);
            case "idx" when rest.Split(',') is [{ Length: > 0 } images, { Length: > 0 } labels]:
                settings.RequireOnly("classes");
                return IdxDataset.Open(reference, images, labels, classes: settings.Count("classes", min: 2, max: DatasetClasses.MaxClasses), options.Limit);
            case "folder" when rest.Length > 0:
                settings.RequireOnly();
                return ImageFolderDataset.Open(reference, rest, options.Limit);
            case "parquet" when rest.Length > 0 && Parquet.ParquetImageDataset.IsJobDirectory(rest):
                // A job directory keeps its verified, manifest-driven reading.
                settings.RequireOnly(Parquet.ParquetImageDataset.PartialOption);
                return Parquet.ParquetImageDataset.Open(rest, options.Limit, partial: settings.Flag(Parquet.ParquetImageDataset.PartialOption));
            case "parquet" when rest.Length > 0:
                settings.RequireOnly(Parquet.HuggingFaceParquetDataset.ImageOption, Parquet.HuggingFaceParquetDataset.LabelOption);
                return Parquet.HuggingFaceParquetDataset.Open(reference, rest,
                    settings.Text(Parquet.HuggingFaceParquetDataset.ImageOption), settings.Text(Parquet.HuggingFaceParquetDataset.LabelOption), options.Limit);
            default:
                throw new ArgumentException($"Malformed dataset reference '{InputText.Show(reference)}': expected one of {Forms}");
        }
    }

    /// <summary>True for <c>parquet:PATH</c> (with or without options), with the path (a job directory or Parquet files).</summary>
    public static bool IsParquet(string reference, out string jobDir)
    {
        const string prefix = "parquet:";
        var (body, _) = SplitOptions(reference);
        var isParquet = body.StartsWith(prefix, StringComparison.Ordinal) && body.Length > prefix.Length;
        jobDir = isParquet ? body[prefix.Length..] : "";
        return isParquet;
    }

    /// <summary>A reference's body and its options after the last <c>?</c> (none when absent).</summary>
    private static (string Body, string? Query) SplitOptions(string reference)
    {
        var q = reference.LastIndexOf('?');
        return q < 0 ? (reference, null) : (reference[..q], reference[(q + 1)..]);
    }

    // The Debian package ships gzip files; an unpacked copy is preferred (read by seeking). Missing both names the .gz.
    private static string GzipOrRaw(string path) => File.Exists(path) ? path : path + ".gz";

    private static (string Before, string After) SplitLast(string text, char separator)
    {
        var i = text.LastIndexOf(separator);
        return i < 0 ? ("", text) : (text[..i], text[(i + 1)..]);
    }
}
