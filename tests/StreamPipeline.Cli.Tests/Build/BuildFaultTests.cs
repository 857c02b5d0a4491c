using StreamPipeline.Cli.Tests.Observability;

namespace StreamPipeline.Cli.Tests.Build;

/// <summary>
/// Faults injected through the job spec with the real pipeline: transient worker crashes are retried, batches out of
/// memory are split, and a batch that keeps failing fails the job with one line and leaves it resumable.
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed class BuildFaultTests(TinyModelFixture fixture)
{
    private string Clean(FaultSpec spec) => fixture.ReferenceBuild(spec.WithoutFaults().Flags(fixture));

    private CliProcess.Result Build(string jobDir, FaultSpec spec) => CliProcess.Run(fixture.Root, ["build", jobDir, .. spec.Flags(fixture)]);

    /// <summary>No stack trace on either stream (Akka's own error log included) unless STREAM_PIPELINE_DEBUG=1.</summary>
    private static void AssertNoStackTrace(CliProcess.Result result)
    {
        foreach (var line in (result.Stdout + "\n" + result.Stderr).Split('\n'))
            Assert.False(line.TrimStart().StartsWith("at ", StringComparison.Ordinal), $"stack trace line: {line}");
    }

    /// <summary>
    /// Same rows and the same file metadata: shard files record only the output-deciding spec, so faults, devices and
    /// batch size leave no trace in them.
    /// </summary>
    private static void AssertSameOutputAsClean(string clean, string faulty, float? tolerance = null)
    {
        if (tolerance is { } t)
            DatasetAssert.SameRowsUpToRounding(clean, faulty, t);
        else
            DatasetAssert.SameRows(clean, faulty);
        using var cleanData = new BuiltDataset(clean);
        using var faultyData = new BuiltDataset(faulty);
        var cleanMetadata = cleanData.KeyValueMetadata();
        var faultyMetadata = faultyData.KeyValueMetadata();
        Assert.Equal(cleanMetadata.Keys.Order(), faultyMetadata.Keys.Order());
        foreach (var (file, kv) in cleanMetadata)
        {
            var other = faultyMetadata[file];
            Assert.Equal(kv.OrderBy(p => p.Key), other.OrderBy(p => p.Key));
            Assert.DoesNotContain("faults", kv["stream_pipeline.job_spec"]);
        }
    }

    [Fact]
    public void Crashing_worker_batches_are_retried_and_the_output_equals_a_clean_build()
    {
        var spec = new FaultSpec("[\"cpu\", \"cpu\"]", "fail-every-nth-batch = 3");
        var jobDir = fixture.NewJobDirectory("crashing");

        var result = Build(jobDir, spec);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.True(ConsoleMetricsText.Total(result.Stderr, "stream_pipeline.retries") > 0, "no retry was counted: " + result.Stderr);
        JobManifest.Read(jobDir).AssertConsistentWith(jobDir);
        AssertSameOutputAsClean(Clean(spec), jobDir);
    }

    [Fact]
    public void Batches_out_of_memory_are_split_and_the_output_equals_a_clean_build()
    {
        // Batches of 8 above 3 fail: each is split in halves, and the halves again, down to pieces of 2.
        var spec = new FaultSpec("[\"cpu\", \"cpu\"]", "oom-above-batch-size = 3");
        var jobDir = fixture.NewJobDirectory("oom");

        var result = Build(jobDir, spec);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(96 / 8 * 3, ConsoleMetricsText.Total(result.Stderr, "stream_pipeline.splits"));
        JobManifest.Read(jobDir).AssertConsistentWith(jobDir);
        // Not bit for bit: TorchSharp's CPU matrix products round differently for different batch sizes (fc1 of the
        // same example differs by ~2e-6 between batches of 8 and 2), so every pixel of a split batch may move by an ulp
        // or two (measured: at most 2.4e-7). Equal labels and success, pixels within 1e-5.
        AssertSameOutputAsClean(Clean(spec), jobDir, tolerance: 1e-5f);
    }

    [Fact]
    public void Permanently_failing_device_fails_the_job_with_one_line_and_a_resumable_directory()
    {
        var spec = new FaultSpec("[\"cpu\"]", "failing-devices = [0]", MaxRetries: 1);
        var jobDir = fixture.NewJobDirectory("failing");

        var failed = Build(jobDir, spec);

        Assert.Equal(1, failed.ExitCode);
        var lines = failed.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var failure = Assert.Single(lines, l => l.StartsWith("failed:", StringComparison.Ordinal));
        Assert.Contains("batch [0, 8) of shard 0", failure);
        Assert.Contains("injected fault", failure);
        AssertNoStackTrace(failed);
        var manifest = JobManifest.Read(jobDir);
        Assert.Empty(manifest.Done);
        manifest.AssertConsistentWith(jobDir);

        // Faults are not part of the spec hash: the same job without them resumes and completes.
        var resumed = Build(jobDir, spec.WithoutFaults());
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        JobManifest.Read(jobDir).AssertConsistentWith(jobDir);
        var clean = Clean(spec);
        DatasetAssert.SameRows(clean, jobDir);
        DatasetAssert.SameShardFiles(clean, jobDir);
    }

    [Fact]
    public void Batch_failing_after_commits_keeps_the_committed_shards_and_the_job_resumes_to_a_clean_result()
    {
        // No retries: the 5th batch fails the job after shards 0 and 1 (batches 1-4) were built.
        var spec = new FaultSpec("[\"cpu\"]", "fail-every-nth-batch = 5", MaxRetries: 0, ShardSize: 16);
        var jobDir = fixture.NewJobDirectory("failing-late");

        var failed = Build(jobDir, spec);

        Assert.Equal(1, failed.ExitCode);
        var failure = Assert.Single(failed.Stderr.Split('\n'), l => l.StartsWith("failed:", StringComparison.Ordinal));
        Assert.Contains("batch [32, 40) of shard 2", failure);
        AssertNoStackTrace(failed);
        var manifest = JobManifest.Read(jobDir);
        // Shards 0 and 1 are committed unless the failure overtook their commit; never anything past the failed batch.
        Assert.All(manifest.Done, s => Assert.True(s.Id < 2, $"shard {s.Id} done past the failed batch"));
        manifest.AssertConsistentWith(jobDir);

        var resumed = Build(jobDir, spec.WithoutFaults());
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        JobManifest.Read(jobDir).AssertConsistentWith(jobDir);
        // Shards committed by the failed run record its faults in their job_spec metadata, so compare beyond that.
        AssertSameOutputAsClean(Clean(spec), jobDir);
    }
}
