namespace StreamPipeline.Tests.Shared;

/// <summary>The folder holding StreamPipeline.sln, found by walking up from the test binaries.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "StreamPipeline.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("StreamPipeline.sln not found above " + AppContext.BaseDirectory);
    }
}
