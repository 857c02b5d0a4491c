using System.Diagnostics;
using System.Text;

namespace StreamPipeline.Cli.Tests.Build;

/// <summary>The real program started in the background, to be killed or interrupted while it works.</summary>
public sealed class RunningCli : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private RunningCli(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_stdout) _stdout.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static RunningCli Start(string workingDirectory, params string[] args) => Start(CliProcess.StartInfo(workingDirectory, args));

    /// <summary>Starts <paramref name="info"/> (from <see cref="CliProcess.StartInfo"/>, its environment changed as a test needs).</summary>
    public static RunningCli Start(ProcessStartInfo info) => new(Process.Start(WithDefaultSigint(info))!);

    public static RunningCli Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        Start(CliProcess.StartInfo(workingDirectory, environment, args));

    /// <summary>
    /// Runs the program through <c>env --default-signal=INT</c> (which then execs it, same pid): a test run started in
    /// the background of a non-interactive shell inherits SIGINT ignored, and .NET, as shells expect, keeps an ignored
    /// SIGINT ignored — the program would never see the Ctrl-C a test sends.
    /// </summary>
    private static ProcessStartInfo WithDefaultSigint(ProcessStartInfo info)
    {
        if (!File.Exists("/usr/bin/env"))
            return info;
        var args = info.ArgumentList.ToArray();
        info.ArgumentList.Clear();
        info.ArgumentList.Add("--default-signal=INT");
        info.ArgumentList.Add(info.FileName);
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        info.FileName = "/usr/bin/env";
        return info;
    }

    public bool HasExited => _process.HasExited;

    public string Stderr
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    /// <summary>SIGKILL: no handler runs, nothing is flushed or cleaned up.</summary>
    public void Kill() => _process.Kill();

    /// <summary>SIGINT, as Ctrl-C in a terminal sends it.</summary>
    public void Interrupt() => Signal("-INT");

    /// <summary>SIGINT, unless the process has already ended (false then: the signal reached nobody).</summary>
    public bool TryInterrupt()
    {
        if (_process.HasExited)
            return false;
        using var kill = Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        return kill.ExitCode == 0;
    }

    /// <summary>SIGSTOP: the process freezes (as a hung or partitioned node would) until <see cref="Continue"/>.</summary>
    public void Freeze() => Signal("-STOP");

    /// <summary>SIGCONT: a frozen process runs on.</summary>
    public void Continue() => Signal("-CONT");

    public int Pid => _process.Id;

    private void Signal(string signal)
    {
        using var kill = Process.Start("kill", [signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        if (kill.ExitCode != 0)
            throw new InvalidOperationException($"kill {signal} {_process.Id} failed with {kill.ExitCode}");
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; false when the process ended or time ran out first.</summary>
    public bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (condition())
                return true;
            if (_process.HasExited)
            {
                _process.WaitForExit(); // the last lines it wrote reach Stderr/Stdout first (the readers are asynchronous)
                return condition();
            }
            Thread.Sleep(20);
        }
        return false;
    }

    public CliProcess.Result WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
            throw new TimeoutException($"stream-pipeline (pid {_process.Id}) did not exit within {timeout}");
        _process.WaitForExit(); // drains the output readers
        lock (_stdout) lock (_stderr) return new CliProcess.Result(_process.ExitCode, _stdout.ToString(), _stderr.ToString());
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
