using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using StreamPipeline.Cli.Tests.Build;
using Xunit.Abstractions;

namespace StreamPipeline.Cli.Tests.Deploy;

/// <summary>
/// deploy/slurm/stream-pipeline.sbatch on a real one-node Slurm (<see cref="SlurmCluster"/>): one allocation runs the
/// coordinator and two workers over TLS, and the job's shards are byte-identical to a single-process build — after a
/// clean run, a worker killed with SIGKILL, a requeue of the whole job and a scancel followed by a new sbatch; and a job
/// whose workers are all refused ends instead of holding its allocation.
/// </summary>
[Collection(BuildTestCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SlurmTests(SlurmFixture slurm, ITestOutputHelper output) : IClassFixture<SlurmFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(5);

    [Fact]
    public void One_allocation_builds_the_job_over_tls_and_its_shards_equal_a_single_process_build()
    {
        var clock = Stopwatch.StartNew();
        var jobDir = slurm.NewJobDirectory("clean");
        using var job = slurm.Submit(jobDir, "clean");

        var (state, exitCode) = job.WaitForEnd(Patience);

        Assert.True((state.State, exitCode) == ("COMPLETED", 0), $"{state}\n{job.LogText}");
        Assert.Contains("(TLS)", job.LogText);
        Assert.Contains($"job {job.Id} run 1 on ", job.LogText);
        Assert.Equal(2, Regex.Matches(job.LogText, @"worker: serving job ").Count);
        // The certificate was made inside the allocation, in a private folder beside the job directory.
        var certificate = Path.Combine(jobDir + ".tls", "cluster.pfx");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(certificate));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(jobDir + ".tls"));
        Assert.Equal(["cluster.pfx"], Directory.EnumerateFileSystemEntries(jobDir + ".tls").Select(Path.GetFileName));
        AssertIdenticalToSingleProcess(jobDir);
        output.WriteLine($"clean run: {clock.Elapsed.TotalSeconds:F0} s");
    }

    [Fact]
    public void A_worker_killed_mid_job_loses_its_leases_to_the_other_and_the_job_still_ends_identical_with_exit_0()
    {
        var clock = Stopwatch.StartNew();
        var jobDir = slurm.NewJobDirectory("killed-worker");
        using var job = slurm.Submit(jobDir, "killed-worker");
        WaitForFirstCommit(job, jobDir);
        // Both workers hold leases (the coordinator's latest status line says so): whichever dies, leases expire. A worker
        // that has registered may not have asked for a lease yet, so its "serving job" line is not enough.
        var serving = Stopwatch.StartNew();
        while (!BothWorkersHoldLeases(job.LogText))
        {
            Assert.True(serving.Elapsed < Patience, $"the two workers never held leases at once\n{job.LogText}");
            Assert.True(JobManifest.DoneCountWhileRunning(jobDir) < SlurmFixture.ShardCount, $"the job finished before both workers held leases\n{job.LogText}");
            Thread.Sleep(50);
        }
        Assert.True(JobManifest.DoneCountWhileRunning(jobDir) < SlurmFixture.ShardCount, $"the job finished before the test could act\n{job.LogText}");

        var workers = WorkerProcesses(job.Id);
        Assert.True(workers.Count == 2, $"expected the job's 2 worker processes, found {workers.Count}\n{job.LogText}");
        using (var victim = Process.GetProcessById(workers[0]))
            victim.Kill(); // SIGKILL: no handler runs, its leases are never returned

        var (state, exitCode) = job.WaitForEnd(Patience);
        Assert.True((state.State, exitCode) == ("COMPLETED", 0), $"{state}\n{job.LogText}");
        Assert.Contains("Killed", job.LogText); // srun's line for the task
        var expired = Regex.Match(job.LogText, @"complete: every shard is committed; \d+/\d+ shards, (\d+) lease\(s\) expired");
        Assert.True(expired.Success, job.LogText);
        Assert.True(int.Parse(expired.Groups[1].Value, CultureInfo.InvariantCulture) >= 1, $"no lease of the killed worker expired\n{job.LogText}");
        AssertIdenticalToSingleProcess(jobDir);
        output.WriteLine($"worker killed: {clock.Elapsed.TotalSeconds:F0} s");
    }

    [Fact]
    public void A_job_requeued_mid_build_resumes_its_job_directory_with_the_same_certificate_and_ends_identical()
    {
        var clock = Stopwatch.StartNew();
        var jobDir = slurm.NewJobDirectory("requeued");
        using var job = slurm.Submit(jobDir, "requeued");
        WaitForFirstCommit(job, jobDir);
        var certificate = JobManifest.Sha256Of(Path.Combine(jobDir + ".tls", "cluster.pfx"));

        Slurm("scontrol", "requeue", job.Id);
        // Slurm holds a requeued job back for two minutes; the test lets it start at once.
        var pending = Stopwatch.StartNew();
        while (slurm.Cluster.State(job.Id)?.State != "PENDING")
        {
            Assert.True(pending.Elapsed < TimeSpan.FromMinutes(2), $"the requeued job never went back to PENDING\n{job.LogText}");
            Thread.Sleep(100);
        }
        Slurm("scontrol", "update", $"JobId={job.Id}", "StartTime=now");

        var (state, exitCode) = job.WaitForEnd(Patience);
        Assert.True((state.State, exitCode, state.Restarts) == ("COMPLETED", 0, 1), $"{state}\n{job.LogText}");
        var log = job.LogText;
        Assert.Contains("DUE TO JOB REQUEUE", log);
        // The first run stopped at a safe point (SIGTERM), the second resumed what the first had committed.
        Assert.Contains("interrupted: stopped cleanly", log);
        Assert.Contains($"job {job.Id} run 2 on ", log);
        Assert.Contains("reusing the job's TLS certificate", log);
        var resumed = Regex.Match(log[log.IndexOf($"job {job.Id} run 2 on ", StringComparison.Ordinal)..], @"serving det of .* \((\d+) shards, (\d+) done\)");
        Assert.True(resumed.Success, log);
        Assert.InRange(int.Parse(resumed.Groups[2].Value, CultureInfo.InvariantCulture), 1, SlurmFixture.ShardCount - 1);
        Assert.Equal(certificate, JobManifest.Sha256Of(Path.Combine(jobDir + ".tls", "cluster.pfx")));
        AssertIdenticalToSingleProcess(jobDir);
        output.WriteLine($"requeued: {clock.Elapsed.TotalSeconds:F0} s");
    }

    [Fact]
    public void A_cancelled_job_exits_143_leaves_a_consistent_job_directory_and_a_later_sbatch_finishes_it_identically()
    {
        var clock = Stopwatch.StartNew();
        var jobDir = slurm.NewJobDirectory("cancelled");
        int done;
        using (var job = slurm.Submit(jobDir, "cancelled"))
        {
            WaitForFirstCommit(job, jobDir);
            Slurm("scancel", job.Id);

            // The batch job's exit code is the coordinator's: stopped by SIGTERM at a safe point.
            var (state, exitCode) = job.WaitForEnd(Patience);
            Assert.True((state.State, exitCode) == ("CANCELLED", 143), $"{state}\n{job.LogText}");
            Assert.Contains("interrupted: stopped cleanly", job.LogText);
        }
        // What the stopped job left: done shards as the manifest records them, nothing else in data/, no temporary files.
        var manifest = JobManifest.Read(jobDir);
        manifest.AssertConsistentWith(jobDir);
        done = manifest.Done.Count();
        Assert.InRange(done, 1, SlurmFixture.ShardCount - 1);
        var reference = SlurmFixture.ShardFiles(slurm.Reference);
        foreach (var (name, sha256) in SlurmFixture.ShardFiles(jobDir))
            Assert.Equal(reference[name], sha256);
        output.WriteLine($"cancelled: {clock.Elapsed.TotalSeconds:F0} s ({done} of {SlurmFixture.ShardCount} shards done)");

        using var again = slurm.Submit(jobDir, "cancelled-again");
        var (finished, code) = again.WaitForEnd(Patience);
        Assert.True((finished.State, code) == ("COMPLETED", 0), $"{finished}\n{again.LogText}");
        Assert.Contains($"({SlurmFixture.ShardCount} shards, {done} done)", again.LogText);
        AssertIdenticalToSingleProcess(jobDir);
        output.WriteLine($"cancelled, then finished by a second sbatch: {clock.Elapsed.TotalSeconds:F0} s");
    }

    [Fact]
    public void When_every_worker_is_refused_the_script_stops_the_coordinator_instead_of_holding_the_allocation()
    {
        var clock = Stopwatch.StartNew();
        var jobDir = slurm.NewJobDirectory("no-workers");
        // The nodes' copy of the model is not where the workers are told: each exits 2 at once.
        using var job = slurm.Submit(jobDir, "no-workers", new Dictionary<string, string> { ["WORKER_FLAGS"] = $"--model {jobDir}.missing.pt" });

        var (state, exitCode) = job.WaitForEnd(Patience);

        Assert.True((state.State, exitCode) == ("FAILED", 130), $"{state}\n{job.LogText}");
        Assert.Equal(2, Regex.Matches(job.LogText, "error: this worker cannot open the job's model or data").Count);
        Assert.Contains("every worker has ended (srun status 2", job.LogText);
        Assert.Contains("interrupted: stopped cleanly", job.LogText);
        var manifest = JobManifest.Read(jobDir);
        manifest.AssertConsistentWith(jobDir);
        Assert.Empty(manifest.Done);
        output.WriteLine($"every worker refused: {clock.Elapsed.TotalSeconds:F0} s");
    }

    private void AssertIdenticalToSingleProcess(string jobDir)
    {
        var manifest = JobManifest.Read(jobDir);
        Assert.Equal(SlurmFixture.ShardCount, manifest.Done.Count());
        manifest.AssertConsistentWith(jobDir);
        Assert.Equal(SlurmFixture.ShardFiles(slurm.Reference).OrderBy(kv => kv.Key), SlurmFixture.ShardFiles(jobDir).OrderBy(kv => kv.Key));
    }

    /// <summary>Waits until the job has committed a shard and asserts that it has not committed them all: the test acts mid-job.</summary>
    private static void WaitForFirstCommit(SubmittedJob job, string jobDir)
    {
        var clock = Stopwatch.StartNew();
        while (JobManifest.DoneCountWhileRunning(jobDir) < 1)
        {
            Assert.False(job.HasEnded, $"the job ended before committing a shard\n{job.LogText}");
            Assert.True(clock.Elapsed < Patience, $"no shard committed within {Patience}\n{job.LogText}");
            Thread.Sleep(50);
        }
        Assert.True(JobManifest.DoneCountWhileRunning(jobDir) < SlurmFixture.ShardCount, $"the job finished before the test could act\n{job.LogText}");
    }

    /// <summary>The pids of the job's worker processes: the program started by srun as <c>worker</c>, in the job's environment.</summary>
    private static List<int> WorkerProcesses(string jobId)
    {
        var program = Path.Combine(AppContext.BaseDirectory, "stream-pipeline");
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
                continue;
            try
            {
                var args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (args.Length < 2 || args[0] != program || args[1] != "worker")
                    continue;
                if (File.ReadAllText(Path.Combine(dir, "environ")).Split('\0').Contains($"SLURM_JOB_ID={jobId}"))
                    pids.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // gone meanwhile
            }
        }
        return pids;
    }

    private void Slurm(params string[] command)
    {
        var result = slurm.Cluster.Slurm(command);
        Assert.True(result.ExitCode == 0, $"{string.Join(' ', command)}: {result.ExitCode} {result.Stderr}");
    }

    /// <summary>True when the coordinator's latest status line shows two workers each holding at least one lease.</summary>
    private static bool BothWorkersHoldLeases(string log)
    {
        var status = log.Split('\n').LastOrDefault(l => l.StartsWith("coordinator: ", StringComparison.Ordinal) && l.Contains(" alive, ", StringComparison.Ordinal));
        return status is not null && Regex.Matches(status, @" alive, [1-9]\d* lease\(s\)").Count >= 2;
    }
}
