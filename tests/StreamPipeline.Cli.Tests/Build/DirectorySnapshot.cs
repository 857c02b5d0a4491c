namespace StreamPipeline.Cli.Tests.Build;

/// <summary>Every file and folder under a directory with its size, SHA-256 and write time, to show that a refused command changed nothing.</summary>
public static class DirectorySnapshot
{
    public static IReadOnlyList<string> Take(string root) =>
        Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(path =>
            {
                var relative = Path.GetRelativePath(root, path);
                if (Directory.Exists(path))
                    return $"{relative}/";
                var info = new FileInfo(path);
                return $"{relative} {info.Length} {JobManifest.Sha256Of(path)} {info.LastWriteTimeUtc:O}";
            })
            .ToList();
}
