using System.Diagnostics;
using System.Text;

namespace StreamPipeline.Cli.Tests;

/// <summary>Runs the real stream-pipeline program (built next to the tests) as a child process.</summary>
public static class CliProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static string ProgramDll => Path.Combine(AppContext.BaseDirectory, "stream-pipeline.dll");

    public static ProcessStartInfo StartInfo(string workingDirectory, params string[] args) => StartInfo(workingDirectory, null, args);

    /// <summary>As <see cref="StartInfo(string, string[])"/>, with <paramref name="environment"/> set for the child as well.</summary>
    public static ProcessStartInfo StartInfo(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(ProgramDll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        // Two cores: keep each child to one TorchSharp thread so parallel test classes do not oversubscribe.
        info.Environment["OMP_NUM_THREADS"] = "1";
        info.Environment["STREAM_PIPELINE_THREADS"] = "1";
        info.Environment.Remove("STREAM_PIPELINE_DEBUG");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            info.Environment[name] = value;
        return info;
    }

    public static Result Run(string workingDirectory, params string[] args) => Run(workingDirectory, TimeSpan.FromMinutes(5), args);

    public static Result Run(string workingDirectory, TimeSpan timeout, params string[] args) => Run(StartInfo(workingDirectory, args), timeout);

    public static Result Run(string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        Run(StartInfo(workingDirectory, environment, args), timeout);

    /// <summary>Runs <paramref name="info"/> (from <see cref="StartInfo(string, string[])"/>, its environment changed as a test needs) to the end.</summary>
    public static Result Run(ProcessStartInfo info, TimeSpan timeout)
    {
        var args = info.ArgumentList.Skip(1).ToArray();
        using var process = Process.Start(info)!;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"stream-pipeline {string.Join(' ', args)} did not finish within {timeout}");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
