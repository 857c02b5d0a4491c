namespace StreamPipeline.Data.Parquet;

/// <summary>The Parquet files a <c>parquet:PATH</c> reference names: one file, the <c>*.parquet</c> files of a folder, or a glob.</summary>
internal static class ParquetFileSet
{
    /// <summary>The accepted forms of PATH, for messages.</summary>
    public const string Forms = "a job directory, a Parquet file, a folder of *.parquet files, or a glob such as DIR/train-*.parquet";

    private static readonly EnumerationOptions Exact = new()
    {
        MatchType = MatchType.Simple,
        MatchCasing = MatchCasing.CaseSensitive,
        RecurseSubdirectories = false,
        IgnoreInaccessible = false,
    };

    /// <summary>
    /// The files of <paramref name="path"/> in ordinal name order (the order of a Hub export's shards). A folder is not
    /// searched below its top level, so a split kept in a subfolder is not mixed in; <c>*</c> may appear in the file-name
    /// part only (<c>?</c> starts the reference's options).
    /// </summary>
    /// <exception cref="DataFormatException">Nothing found, or a glob in a folder name.</exception>
    public static IReadOnlyList<string> Resolve(string path)
    {
        if (File.Exists(path))
            return [path];
        if (Directory.Exists(path))
        {
            var inFolder = Directory.EnumerateFiles(path, "*.parquet", Exact).Order(StringComparer.Ordinal).ToArray();
            return inFolder.Length > 0
                ? inFolder
                : throw new DataFormatException($"{path}: no *.parquet files in this folder, and no manifest.json (expected {Forms})");
        }

        var pattern = Path.GetFileName(path);
        var folder = Path.GetDirectoryName(path) is { Length: > 0 } d ? d : ".";
        if (!pattern.Contains('*'))
            throw new DataFormatException($"{InputText.Show(path)}: not found (expected {Forms})");
        if (folder.Contains('*'))
            throw new DataFormatException($"{path}: '*' may appear in the file name only, not in the folder '{folder}'");
        if (!Directory.Exists(folder))
            throw new DataFormatException($"{InputText.Show(path)}: folder {InputText.Show(folder)} not found");
        var matches = Directory.EnumerateFiles(folder, pattern, Exact).Order(StringComparer.Ordinal).ToArray();
        return matches.Length > 0 ? matches : throw new DataFormatException($"{path}: no file matches");
    }
}
