using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using StreamPipeline.Cli.Tests.Observability;

namespace StreamPipeline.Cli.Tests.Deploy;

/// <summary>
/// A real one-node Slurm (Debian's slurm-wlm 22.05 and munge) started by the test in a scratch folder: munged, slurmctld
/// and slurmd run as root on ports of their own, with their own key, socket, state and logs, and are stopped again on
/// dispose. The node declares 4 CPUs (more than this machine has: tasks only wait on each other) and two fake GPUs
/// (character devices made like /dev/null), so a script asking for <c>--gres=gpu:1</c> runs unchanged on a machine
/// without one. No cgroups (proctrack/linuxproc, task/none): it runs in a plain container.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SlurmCluster : IDisposable
{
    private const string NodeName = "sp-node";
    private static readonly string[] Tools = ["munged", "slurmctld", "slurmd", "sbatch", "scontrol", "squeue", "scancel"];

    private readonly TempDirectory _dir = new();
    private readonly List<string> _pidFiles = [];

    public SlurmCluster()
    {
        if (System.Environment.UserName != "root")
            throw new InvalidOperationException(
                $"the Slurm tests start munged, slurmctld and slurmd as root (as CI runs them); this process runs as {System.Environment.UserName}");
        var missing = Tools.Where(tool => Which(tool) is null).ToArray();
        if (missing.Length > 0)
            throw new InvalidOperationException(
                $"the Slurm tests need {string.Join(", ", missing)}: install slurm-wlm and munge (scripts/install-packages.sh test)");
        try
        {
            Start();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The environment every Slurm command of this cluster needs (which slurm.conf).</summary>
    public IReadOnlyDictionary<string, string> ClientEnvironment { get; private set; } = new Dictionary<string, string>();

    /// <summary>A folder for the tests' files (job directories, logs), deleted with the cluster.</summary>
    public string Root => _dir.Path;

    private string Conf => _dir.File("etc/slurm.conf");

    private void Start()
    {
        foreach (var folder in new[] { "etc", "munge", "state", "spool", "log" })
            Directory.CreateDirectory(_dir.File(folder));
        File.SetUnixFileMode(_dir.File("munge"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        // munge: a key of our own, the daemon on a socket of our own; Slurm finds it through AuthInfo.
        var key = _dir.File("munge/munge.key");
        File.WriteAllBytes(key, RandomNumberGenerator.GetBytes(1024));
        File.SetUnixFileMode(key, UnixFileMode.UserRead);
        var socket = _dir.File("munge/munge.socket");
        Track("munge/munged.pid");
        Run("munged", "--force", $"--socket={socket}", $"--key-file={key}", $"--pid-file={_dir.File("munge/munged.pid")}",
            $"--log-file={_dir.File("log/munged.log")}", $"--seed-file={_dir.File("munge/munged.seed")}");

        // Two fake GPUs: slurmd wants character devices; these are /dev/null's (1, 3), never opened (no cgroups).
        foreach (var gpu in new[] { "nvidia0", "nvidia1" })
            Run("mknod", _dir.File($"etc/{gpu}"), "c", "1", "3");
        File.WriteAllText(_dir.File("etc/gres.conf"), $"NodeName={NodeName} Name=gpu File={_dir.File("etc/nvidia[0-1]")}\n");

        var controllerPort = FreePort.Next();
        var nodePort = FreePort.Next();
        File.WriteAllText(Conf, $"""
            ClusterName=sp-test
            SlurmctldHost=localhost(127.0.0.1)
            SlurmctldPort={controllerPort}
            SlurmdPort={nodePort}
            SlurmUser=root
            SlurmdUser=root
            AuthType=auth/munge
            CredType=cred/munge
            AuthInfo=socket={socket}
            StateSaveLocation={_dir.File("state")}
            SlurmdSpoolDir={_dir.File("spool")}
            SlurmctldPidFile={_dir.File("slurmctld.pid")}
            SlurmdPidFile={_dir.File("slurmd.pid")}
            SlurmctldLogFile={_dir.File("log/slurmctld.log")}
            SlurmdLogFile={_dir.File("log/slurmd.log")}
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            SelectType=select/cons_tres
            SelectTypeParameters=CR_CPU
            SchedulerType=sched/builtin
            JobCompType=jobcomp/none
            AccountingStorageType=accounting_storage/none
            JobAcctGatherType=jobacct_gather/none
            MpiDefault=none
            ReturnToService=2
            # The node's CPUs and GPUs as declared here, not as probed (4 CPUs on a 2-core machine, fake GPUs).
            SlurmdParameters=config_overrides
            KillWait=30
            GresTypes=gpu
            NodeName={NodeName} NodeHostname={Dns.GetHostName()} NodeAddr=127.0.0.1 CPUs=4 RealMemory=4000 Gres=gpu:2 State=UNKNOWN
            PartitionName=test Nodes={NodeName} Default=YES MaxTime=INFINITE State=UP
            """);
        ClientEnvironment = new Dictionary<string, string> { ["SLURM_CONF"] = Conf };

        Track("slurmctld.pid");
        Run("slurmctld", "-f", Conf);
        Track("slurmd.pid");
        Run("slurmd", "-f", Conf, "-N", NodeName);
        var ready = Stopwatch.StartNew();
        while (Slurm("sinfo", "-h", "-n", NodeName, "-o", "%T").Stdout.Trim() != "idle")
        {
            if (ready.Elapsed > TimeSpan.FromSeconds(60))
                throw new InvalidOperationException($"the test's Slurm node did not come up: {Slurm("sinfo", "-N", "-l").Stdout}\n{Logs()}");
            Thread.Sleep(200);
        }
    }

    /// <summary>Runs a Slurm client command (sinfo, scontrol, squeue, scancel) against this cluster.</summary>
    public CliProcess.Result Slurm(params string[] command)
    {
        var info = new ProcessStartInfo(Which(command[0]) ?? command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in command.Skip(1))
            info.ArgumentList.Add(arg);
        foreach (var (name, value) in ClientEnvironment)
            info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill();
            throw new TimeoutException($"{string.Join(' ', command)} did not finish within a minute");
        }
        return new CliProcess.Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>A job's state as the controller sees it (JobState, ExitCode, Restarts), or null once it forgot the job.</summary>
    public JobState? State(string jobId)
    {
        var shown = Slurm("scontrol", "-o", "show", "job", jobId);
        if (shown.ExitCode != 0)
            return null;
        string Field(string name) => Regex.Match(shown.Stdout, $@"\b{name}=(\S+)").Groups[1].Value;
        return new JobState(Field("JobState"), Field("ExitCode"), int.Parse(Field("Restarts"), CultureInfo.InvariantCulture));
    }

    public sealed record JobState(string State, string ExitCode, int Restarts);

    /// <summary>The daemons' logs, for a failure message.</summary>
    public string Logs() =>
        string.Join('\n', Directory.EnumerateFiles(_dir.File("log")).Select(f => $"--- {f}\n{string.Join('\n', File.ReadLines(f).TakeLast(20))}"));

    public void Dispose()
    {
        // Nothing of ours may outlive the test: cancel what still runs, wait for it to end, then stop the daemons we
        // started (by their pid files) and delete everything.
        if (File.Exists(Conf) && File.Exists(_dir.File("slurmctld.pid")))
        {
            var jobs = Slurm("squeue", "-h", "-o", "%i").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            foreach (var job in jobs)
                Slurm("scancel", job);
            var gone = Stopwatch.StartNew();
            while (jobs.Length > 0 && Slurm("squeue", "-h", "-o", "%i").Stdout.Trim().Length > 0 && gone.Elapsed < TimeSpan.FromSeconds(60))
                Thread.Sleep(500);
            Slurm("scontrol", "shutdown");
        }
        // slurmctld and slurmd end on their own after the shutdown; munged is told to.
        foreach (var pidFile in Enumerable.Reverse(_pidFiles))
            Stop(pidFile, pidFile.EndsWith("munged.pid", StringComparison.Ordinal) ? TimeSpan.Zero : TimeSpan.FromSeconds(10));
        _dir.Dispose();
    }

    private void Track(string pidFile) => _pidFiles.Add(_dir.File(pidFile));

    /// <summary>Waits <paramref name="grace"/> for the daemon named by <paramref name="pidFile"/> to end, then SIGTERM, then after 10 s SIGKILL.</summary>
    private static void Stop(string pidFile, TimeSpan grace)
    {
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
            return;
        Process daemon;
        try
        {
            daemon = Process.GetProcessById(pid);
        }
        catch (ArgumentException)
        {
            return; // already gone
        }
        using (daemon)
        {
            if (daemon.WaitForExit(grace))
                return;
            Run("kill", "-TERM", pid.ToString(CultureInfo.InvariantCulture));
            if (!daemon.WaitForExit(TimeSpan.FromSeconds(10)))
                daemon.Kill();
        }
    }

    private static void Run(params string[] command)
    {
        var info = new ProcessStartInfo(Which(command[0]) ?? command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in command.Skip(1))
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{string.Join(' ', command)} failed ({process.ExitCode}): {stderr.Result.Trim()} {stdout.Result.Trim()}");
    }

    private static string? Which(string tool) =>
        new[] { "/usr/sbin", "/usr/bin", "/sbin", "/bin" }.Concat((System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
            .Select(dir => Path.Combine(dir, tool)).FirstOrDefault(File.Exists);
}
