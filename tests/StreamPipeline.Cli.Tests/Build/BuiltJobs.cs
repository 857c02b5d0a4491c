namespace StreamPipeline.Cli.Tests.Build;

/// <summary>
/// The job directories the output checks look at: the ones a test built, plus every job (a folder with manifest.json)
/// under the folder named by <see cref="Variable"/> when it is set — so the same checks run on, say, the output of
/// <c>experiment --quick</c>: <c>STREAM_PIPELINE_CHECK_JOBS=runs/quick dotnet test tests/StreamPipeline.Cli.Tests
/// --filter FullyQualifiedName~HuggingFaceOutputTests</c>.
/// </summary>
public static class BuiltJobs
{
    public const string Variable = "STREAM_PIPELINE_CHECK_JOBS";

    public static IReadOnlyList<string> With(params string[] built)
    {
        var extra = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } root
            ? Directory.EnumerateFiles(root, "manifest.json", SearchOption.AllDirectories).Select(f => Path.GetDirectoryName(Path.GetFullPath(f))!)
            : [];
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } r && !Directory.Exists(r))
            throw new DirectoryNotFoundException($"{Variable}={r}: no such folder");
        return [.. built, .. extra.Order(StringComparer.Ordinal)];
    }

    /// <summary>The committed shard files of a job directory, in name order.</summary>
    public static IReadOnlyList<string> ShardFiles(string jobDir) =>
        Directory.GetFiles(Path.Combine(jobDir, "data"), "*.parquet").Order(StringComparer.Ordinal).ToArray();
}
