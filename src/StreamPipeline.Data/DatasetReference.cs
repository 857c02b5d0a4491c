using StreamPipeline.Data.Readers;

namespace StreamPipeline.Data;

/// <summary>Opens a dataset from its reference string, e.g. <c>fashion-mnist:train</c> or <c>cifar10:/data/cifar:test</c>.</summary>
public static class DatasetReference
{
    /// <summary>The accepted forms, for messages and help text.</summary>
    public const string Forms = "fashion-mnist:train|test, cifar10:DIR:train|test, idx:IMAGES,LABELS, folder:DIR, parquet:JOBDIR";

    /// <summary>Opens <paramref name="reference"/>; bad syntax → <see cref="ArgumentException"/>, bad data → <see cref="DataFormatException"/>.</summary>
    public static IImageDataset Open(string reference, DatasetOptions? options = null)
    {
        options ??= new DatasetOptions();
        if (options.Limit is < 1)
            throw new ArgumentException($"Dataset limit must be at least 1, got {options.Limit}");
        var colon = reference.IndexOf(':');
        var scheme = colon < 0 ? reference : reference[..colon];
        var rest = colon < 0 ? "" : reference[(colon + 1)..];
        switch (scheme)
        {
            case "fashion-mnist" when rest is "train" or "test":
                var root = options.DataRoot ?? DatasetOptions.DefaultFashionMnistRoot;
                var prefix = rest == "train" ? "train" : "t10k";
                return IdxDataset.Open(reference,
                    GzipOrRaw(Path.Combine(root, $"{prefix}-images-idx3-ubyte")),
                    GzipOrRaw(Path.Combine(root, $"{prefix}-labels-idx1-ubyte")),
                    classes: 10, options.Limit);
            case "cifar10" when SplitLast(rest, ':') is ({ Length: > 0 } directory, ("train" or "test") and var split):
                if (!Directory.Exists(directory))
                    throw new DataFormatException($"{directory}: CIFAR-10 folder not found");
                return Cifar10Dataset.Open(reference, directory, train: split == "train", options.Limit);
            case "idx" when rest.Split(',') is [{ Length: > 0 } images, { Length: > 0 } labels]:
                return IdxDataset.Open(reference, images, labels, classes: null, options.Limit);
            case "folder" when rest.Length > 0:
                return ImageFolderDataset.Open(reference, rest, options.Limit);
            case "parquet" when rest.Length > 0:
                return global::StreamPipeline.Data.Parquet.ParquetImageDataset.Open(rest, options.Limit);
            default:
                throw new ArgumentException($"Malformed dataset reference '{reference}': expected one of {Forms}");
        }
    }

    /// <summary>True for <c>parquet:JOBDIR</c>, with the job directory.</summary>
    public static bool IsParquet(string reference, out string jobDir)
    {
        const string prefix = "parquet:";
        var isParquet = reference.StartsWith(prefix, StringComparison.Ordinal) && reference.Length > prefix.Length;
        jobDir = isParquet ? reference[prefix.Length..] : "";
        return isParquet;
    }

    // The Debian package ships gzip files; an unpacked copy is preferred (read by seeking). Missing both names the .gz.
    private static string GzipOrRaw(string path) => File.Exists(path) ? path : path + ".gz";

    private static (string Before, string After) SplitLast(string text, char separator)
    {
        var i = text.LastIndexOf(separator);
        return i < 0 ? ("", text) : (text[..i], text[(i + 1)..]);
    }
}
