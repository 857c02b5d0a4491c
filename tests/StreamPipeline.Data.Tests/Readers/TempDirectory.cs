namespace StreamPipeline.Data.Tests.Readers;

/// <summary>A fresh temporary directory, deleted on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("streampipeline-readers-").FullName;

    /// <summary>The full path of <paramref name="relative"/>, creating its parent folders.</summary>
    public string File(string relative)
    {
        var path = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
