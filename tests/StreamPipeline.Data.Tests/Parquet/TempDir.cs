namespace StreamPipeline.Data.Tests.Parquet;

/// <summary>A temporary folder that deletes itself.</summary>
internal sealed class TempDir(string path) : IDisposable
{
    public string Path { get; } = path;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
