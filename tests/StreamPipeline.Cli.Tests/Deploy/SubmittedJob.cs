using System.Diagnostics;
using System.Globalization;

namespace StreamPipeline.Cli.Tests.Deploy;

/// <summary>
/// A batch script submitted with <c>sbatch --parsable</c>, watched through the controller until it has ended. Not
/// <c>sbatch --wait</c>: Slurm 22.05's sbatch returns as soon as the job's state reads CANCELLED, while the batch script
/// is still stopping and before its exit code is recorded (it then reports 0), and its polls grow to 32 s apart.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SubmittedJob : IDisposable
{
    /// <summary>States of a job that will not run again (scontrol's names; COMPLETING and requeued states are not among them).</summary>
    private static readonly HashSet<string> Ended =
        ["COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY"];

    private readonly SlurmCluster _cluster;

    private SubmittedJob(SlurmCluster cluster, string id, string log)
    {
        _cluster = cluster;
        Id = id;
        Log = log;
    }

    public string Id { get; }

    /// <summary>The job's log (sbatch --output; every run of the job appends to it).</summary>
    public string Log { get; }

    public string LogText => File.Exists(Log) ? File.ReadAllText(Log) : "";

    /// <summary>The job as the controller sees it now (null once it forgot the job).</summary>
    public SlurmCluster.JobState? State => _cluster.State(Id);

    public bool HasEnded => State is not { } state || Ended.Contains(state.State);

    public static SubmittedJob Submit(SlurmCluster cluster, string script, string log, IReadOnlyDictionary<string, string> environment,
        params string[] sbatchOptions)
    {
        var info = new ProcessStartInfo("sbatch")
        {
            WorkingDirectory = Path.GetDirectoryName(log)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--parsable", $"--output={log}" }.Concat(sbatchOptions).Append(script))
            info.ArgumentList.Add(arg);
        foreach (var (name, value) in environment)
            info.Environment[name] = value;
        using var sbatch = Process.Start(info)!;
        var stdout = sbatch.StandardOutput.ReadToEndAsync();
        var stderr = sbatch.StandardError.ReadToEndAsync();
        if (!sbatch.WaitForExit(TimeSpan.FromMinutes(1)) || sbatch.ExitCode != 0 || !long.TryParse(stdout.Result.Trim(), out _))
            throw new InvalidOperationException($"sbatch failed: {stderr.Result.Trim()} {stdout.Result.Trim()}");
        return new SubmittedJob(cluster, stdout.Result.Trim(), log);
    }

    /// <summary>Waits until the job has ended for good (through requeues); returns its state and the batch script's exit code.</summary>
    public (SlurmCluster.JobState State, int ExitCode) WaitForEnd(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var state = State ?? throw new InvalidOperationException($"the controller forgot job {Id}; its log:\n{LogText}");
            if (Ended.Contains(state.State))
                return (state, int.Parse(state.ExitCode.Split(':')[0], CultureInfo.InvariantCulture));
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"job {Id} did not end within {timeout} (state {state.State}); its log:\n{LogText}");
            Thread.Sleep(200);
        }
    }

    /// <summary>A job the test left running (it failed midway) is cancelled, so the next test has the node to itself.</summary>
    public void Dispose()
    {
        if (HasEnded)
            return;
        _cluster.Slurm("scancel", Id);
        try
        {
            WaitForEnd(TimeSpan.FromMinutes(1));
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            // The cluster's own dispose cancels and waits again.
        }
    }
}
