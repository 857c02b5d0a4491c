namespace StreamPipeline.Tests.Shared;

/// <summary>A fresh temporary directory for one test, deleted (best effort) on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("sp-test-").FullName;

    /// <summary>The full path of <paramref name="relative"/> inside the directory (nothing is created).</summary>
    public string File(string relative) => System.IO.Path.Combine(Path, relative);

    /// <summary>The full path of <paramref name="relative"/> inside the directory, its parent folders created.</summary>
    public string NewFile(string relative)
    {
        var path = File(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A test's leftovers in /tmp are harmless.
        }
    }
}
