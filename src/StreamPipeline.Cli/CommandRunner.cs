using StreamPipeline.Data;

namespace StreamPipeline.Cli;

/// <summary>Runs a command body and turns its outcome into one clear line and the documented exit code.</summary>
public static class CommandRunner
{
    /// <summary>The exit code of a cancelled command: the signal handler sets it from the signal that asked for the stop.</summary>
    public static int StopExitCode { get; set; } = ExitCodes.Interrupted;

    /// <summary>Set STREAM_PIPELINE_DEBUG=1 to see stack traces.</summary>
    internal static bool ShowStackTraces => Environment.GetEnvironmentVariable("STREAM_PIPELINE_DEBUG") == "1";

    public static async Task<int> RunAsync(Func<CancellationToken, Task<int>> body, CancellationToken ct)
    {
        try
        {
            return await body(ct);
        }
        catch (Exception e) when (Classify(e, ct) is var (code, message))
        {
            Console.Error.WriteLine(message);
            if (ShowStackTraces) Console.Error.WriteLine(e);
            return code;
        }
    }

    /// <summary>Maps an exception to (exit code, one-line message).</summary>
    public static (int Code, string Message) Classify(Exception e, CancellationToken ct)
    {
        var inner = e is AggregateException { InnerExceptions.Count: 1 } agg ? agg.InnerExceptions[0] : e;
        if (inner is OperationCanceledException && ct.IsCancellationRequested)
            return (StopExitCode, "interrupted: stopped cleanly; run the same command again to resume");
        return inner switch
        {
            DataFormatException or ArgumentException or FileNotFoundException or DirectoryNotFoundException
                or InvalidDataException or FormatException or UsageException
                => (ExitCodes.BadInput, "error: " + OneLine(inner.Message)),
            _ => (ExitCodes.JobFailed, "failed: " + OneLine(inner.Message)),
        };
    }

    private static string OneLine(string message) => InputText.OneLine(message);
}

/// <summary>A bad command-line combination detected after parsing (exit code 2).</summary>
public sealed class UsageException(string message) : Exception(message);
