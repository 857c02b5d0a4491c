using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace StreamPipeline.Tests.Shared;

/// <summary>
/// Runs scripts/torch_interop.py with Debian's Python, which has PyTorch (python3-torch, python3-dill; .ci/run installs
/// them), as a real child process: the independent side of the import/export tests.
/// </summary>
public static class TorchPython
{
    /// <summary>Debian's interpreter; the <c>python3</c> first on PATH may be another one without torch.</summary>
    public const string Interpreter = "/usr/bin/python3";

    public static string RepositoryRoot { get; } = FindRoot();

    public static string Script => Path.Combine(RepositoryRoot, "scripts", "torch_interop.py");

    /// <summary>Runs the script with <paramref name="args"/>; returns its last stdout line parsed as JSON.</summary>
    public static JsonElement Run(params string[] args)
    {
        var info = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Script);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        // Two shared cores: one thread each, as the TorchSharp side of the tests.
        info.Environment["OMP_NUM_THREADS"] = "1";
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{Interpreter} not found: install python3-torch and python3-dill (apt-get)", e);
        }
        using (process)
        {
            var stderr = new StringBuilder();
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
            process.BeginErrorReadLine();
            var stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"torch_interop.py {string.Join(' ', args)} did not finish within 3 minutes");
            }
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"torch_interop.py {string.Join(' ', args)} failed ({process.ExitCode}): {stderr}");
            var last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
            return JsonDocument.Parse(last).RootElement.Clone();
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "StreamPipeline.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("StreamPipeline.sln not found above " + AppContext.BaseDirectory);
    }
}
