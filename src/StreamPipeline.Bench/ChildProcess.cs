using System.Diagnostics;
using System.Reflection;

namespace StreamPipeline.Bench;

/// <summary>Runs a child program of bench (the PyTorch peer, <c>train</c>) to its end, killing it if bench is cancelled.</summary>
internal static class ChildProcess
{
    /// <summary>
    /// A start of this program again (for bench's phase processes and <c>train</c>): the apphost itself, or
    /// <c>dotnet stream-pipeline.dll</c> when it was run that way (the child then needs the program's assembly).
    /// </summary>
    public static ProcessStartInfo Self(string what)
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException($"bench: cannot tell which program to start for {what}");
        var start = new ProcessStartInfo(host);
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
            start.ArgumentList.Add(Assembly.GetEntryAssembly()?.Location ?? throw new InvalidOperationException("bench: no entry assembly"));
        return start;
    }

    /// <summary>Starts <paramref name="start"/> with its output redirected and returns its exit code, stdout and stderr.</summary>
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(ProcessStartInfo start, CancellationToken ct)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The last non-empty line of a child's output (its JSON result, or its error line).</summary>
    public static string? LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
}
