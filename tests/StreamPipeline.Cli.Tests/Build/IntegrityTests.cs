using System.Text.Json;
using System.Text.Json.Nodes;

namespace StreamPipeline.Cli.Tests.Build;

/// <summary>
/// What is on disk is verified before it is trusted (issue 10), shown through the real program: damaged, missing,
/// foreign or misnamed shard files; an incomplete job read as a dataset; the job lock; bad input found before work.
/// Every refusal is exit 2 with one line naming the file.
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed class IntegrityTests(TinyModelFixture fixture)
{
    private readonly DetBuild _build = DetBuild.Of(fixture) with { Limit = 96, ShardSize = 32, BatchSize = 16, Steps = 2 };

    private static string OneErrorLine(CliProcess.Result result, string mustMention)
    {
        Assert.True(result.ExitCode == 2, $"exit {result.ExitCode}: {result.Stderr}");
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.DoesNotContain(lines, l => l.StartsWith("at ", StringComparison.Ordinal));
        var error = Assert.Single(lines, l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains(mustMention, error);
        return error;
    }

    /// <summary>A finished copy of the reference build, safe to damage.</summary>
    private string FinishedJob(string name) => fixture.CopyOf(fixture.ReferenceBuild(_build.Flags()), name);

    private static void FlipOneByte(string file)
    {
        var bytes = File.ReadAllBytes(file);
        bytes[bytes.Length / 3] ^= 0x10;
        File.WriteAllBytes(file, bytes);
    }

    private CliProcess.Result Train(string data) =>
        CliProcess.Run(fixture.Root, "train", "--data", data, "--out", fixture.NewJobDirectory("model") + ".pt", "--epochs", "1", "--device", "cpu", "--threads", "1");

    [FashionMnistFact]
    public void A_job_written_by_the_schema_v1_release_is_read_but_never_resumed_into_a_mix_of_schemas()
    {
        // A real job written by the release before schema v2 (committed by the Data tests), copied so it can be touched.
        var fixtureJob = Path.Combine(RepositoryRoot.Path, "tests", "StreamPipeline.Data.Tests", "Fixtures", "constructed-v1-job");
        var job = fixture.NewJobDirectory("v1");
        foreach (var file in Directory.EnumerateFiles(fixtureJob, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(job, Path.GetRelativePath(fixtureJob, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        File.Delete(Path.Combine(job, "data", "part-00001.parquet"));
        var before = Directory.EnumerateFiles(job, "*", SearchOption.AllDirectories).Order().Select(File.ReadAllBytes).ToArray();
        var model = fixture.NewJobDirectory("fashion") + ".pt";
        var trained = CliProcess.Run(fixture.Root, "train", "--limit", "64", "--epochs", "1", "--out", model, "--device", "cpu", "--threads", "1");
        Assert.True(trained.ExitCode == 0, trained.Stderr);

        var resumed = CliProcess.Run(fixture.Root, "build", job, "--model", model, "--data", "fashion-mnist:train", "--limit", "8",
            "--construction", "det", "--shard-size", "4", "--steps", "3", "--eps", "4", "--step-size", "0.3", "--metrics", "none");

        Assert.NotEqual(0, resumed.ExitCode);
        Assert.Contains("schema v1", resumed.Stderr);
        Assert.Contains("new directory", resumed.Stderr);
        Assert.Equal(before, Directory.EnumerateFiles(job, "*", SearchOption.AllDirectories).Order().Select(File.ReadAllBytes).ToArray());
    }

    [Fact]
    public void A_shard_damaged_without_changing_its_size_is_refused_by_readers_and_rebuilt_by_resume()
    {
        var job = FinishedJob("bitrot");
        var damaged = Path.Combine(job, "data", "part-00001.parquet");
        FlipOneByte(damaged);

        OneErrorLine(CliProcess.Run(fixture.Root, "inspect", job), "part-00001.parquet");
        OneErrorLine(Train($"parquet:{job}"), "part-00001.parquet");
        OneErrorLine(CliProcess.Run(fixture.Root, "evaluate", "--model", fixture.Model, "--data", $"parquet:{job}", "--device", "cpu"), "part-00001.parquet");
        var resumed = CliProcess.Run(fixture.Root, _build.Command(job));

        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("rebuilt", resumed.Stderr);
        Assert.Contains("part-00001.parquet", resumed.Stderr);
        Assert.Equal(Checksums(fixture.ReferenceBuild(_build.Flags())), Checksums(job));
    }

    [Fact]
    public void A_dataset_reference_to_a_job_reads_exactly_its_committed_shards()
    {
        var job = FinishedJob("foreign");
        File.Copy(Path.Combine(job, "data", "part-00000.parquet"), Path.Combine(job, "data", "part-00009.parquet"));

        var trained = Train($"parquet:{job}");
        var inspected = CliProcess.Run(fixture.Root, "inspect", job, "--json");

        Assert.True(trained.ExitCode == 0, trained.Stderr);
        Assert.Contains("(96 images", trained.Stderr);
        Assert.Equal(96, JsonNode.Parse(inspected.Stdout)!["rows_done"]!.GetValue<long>());

        File.Delete(Path.Combine(job, "data", "part-00002.parquet"));
        OneErrorLine(Train($"parquet:{job}"), "part-00002.parquet");
    }

    [Fact]
    public void An_incomplete_job_is_refused_as_a_dataset_unless_its_committed_part_is_asked_for()
    {
        // A build killed (SIGKILL) with some of its 10 shards committed.
        var job = fixture.NewJobDirectory("incomplete");
        var slow = _build with { Limit = 160, ShardSize = 16, BatchSize = 16, Steps = 30 };
        using (var running = RunningCli.Start(fixture.Root, slow.Command(job)))
        {
            var caught = running.WaitUntil(() => JobManifest.DoneCountWhileRunning(job) is > 0 and < 8, TimeSpan.FromMinutes(3));
            running.Kill();
            Assert.True(caught, "the build was never seen half done: " + running.Stderr);
        }
        var done = JobManifest.Read(job).Done.Count();
        Assert.InRange(done, 1, 9);

        var error = OneErrorLine(Train($"parquet:{job}"), "incomplete");
        var partial = Train($"parquet:{job}?partial");

        Assert.Contains($"{done} of 10 shards done ({done * 16} of 160 rows)", error);
        Assert.Contains($"parquet:{job}?partial", error);
        Assert.True(partial.ExitCode == 0, partial.Stderr);
        Assert.Contains($"({done * 16} images", partial.Stderr);
    }

    [Theory]
    [InlineData("part-00000.parquet")]
    [InlineData("../job.conf")]
    [InlineData("/etc/hostname")]
    public void A_manifest_entry_naming_any_file_but_its_own_is_refused_before_anything_is_deleted(string file)
    {
        var job = FinishedJob("misnamed");
        var manifestPath = Path.Combine(job, "manifest.json");
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        manifest["shards"]![1]!["file"] = file;
        File.WriteAllText(manifestPath, manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        var before = DirectorySnapshot.Take(job);

        var refused = CliProcess.Run(fixture.Root, _build.Command(job));

        Assert.Contains("manifest shard 1 names file", OneErrorLine(refused, "manifest.json"));
        Assert.Equal(before, DirectorySnapshot.Take(job));
        OneErrorLine(CliProcess.Run(fixture.Root, "inspect", job), "manifest.json");
    }

    [Fact]
    public void The_job_lock_cannot_be_defeated_by_deleting_files_and_a_finished_job_leaves_no_lock_file()
    {
        var job = fixture.NewJobDirectory("locked");
        var slow = _build with { Limit = 640, Steps = 40, ShardSize = 64 };
        using (var running = RunningCli.Start(fixture.Root, slow.Command(job)))
        {
            Assert.True(running.WaitUntil(() => File.Exists(Path.Combine(job, "job.conf")), TimeSpan.FromMinutes(2)), running.Stderr);
            foreach (var lockFile in Directory.EnumerateFiles(job, ".lock*"))
                File.Delete(lockFile);

            var second = CliProcess.Run(fixture.Root, slow.Command(job));

            OneErrorLine(second, "in use by another build");
            Assert.False(running.HasExited, "the first build must keep running");
            running.Kill();
        }

        var finished = FinishedJob("unlocked");
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(finished), p => Path.GetFileName(p).StartsWith(".lock", StringComparison.Ordinal));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(fixture.ReferenceBuild(_build.Flags())), p => Path.GetFileName(p) == ".lock");
    }

    [Fact]
    public void A_checkpoint_whose_weights_do_not_fit_its_architecture_is_exit_2_for_build_as_for_evaluate_and_leaves_nothing()
    {
        // The sidecar stays consistent with the weights (same SHA-256) but names another architecture.
        var model = fixture.NewJobDirectory("misfit") + ".pt";
        File.Copy(fixture.Model, model);
        var sidecar = JsonNode.Parse(File.ReadAllText(fixture.Model + ".json"))!;
        sidecar["architecture"] = "resnet18";
        File.WriteAllText(model + ".json", sidecar.ToJsonString());
        var job = fixture.NewJobDirectory("misfit-job");

        var evaluate = CliProcess.Run(fixture.Root, "evaluate", "--model", model, "--data", fixture.TestReference, "--device", "cpu");
        var build = CliProcess.Run(fixture.Root, (_build with { Model = model }).Command(job));

        OneErrorLine(evaluate, Path.GetFileName(model));
        OneErrorLine(build, Path.GetFileName(model));
        Assert.False(Directory.Exists(job), "a refused build must not leave a job directory tied to the checkpoint");
    }

    [Fact]
    public void Bad_paths_are_exit_2_before_any_work()
    {
        var job = FinishedJob("data-file");
        Directory.Delete(Path.Combine(job, "data"), recursive: true);
        File.WriteAllText(Path.Combine(job, "data"), "not a folder");
        OneErrorLine(CliProcess.Run(fixture.Root, _build.Command(job)), "data is a file");

        var folder = Directory.CreateDirectory(fixture.NewJobDirectory("grid-folder")).FullName;
        OneErrorLine(CliProcess.Run(fixture.Root, "inspect", fixture.ReferenceBuild(_build.Flags()), "--grid", folder), "is a directory");

        var outFolder = Directory.CreateDirectory(fixture.NewJobDirectory("out-folder")).FullName;
        var train = CliProcess.Run(fixture.Root, "train", "--data", fixture.SourceReference, "--out", outFolder, "--epochs", "1", "--device", "cpu", "--threads", "1");
        OneErrorLine(train, "is a directory");
        Assert.DoesNotContain("train: done", train.Stderr);

        var longName = Path.Combine(fixture.Root, new string('j', 300));
        OneErrorLine(CliProcess.Run(fixture.Root, _build.Command(longName)), "longer than the file system allows");
        Assert.False(Directory.Exists(longName));
    }

    [Fact]
    public void Labels_with_a_gap_are_refused_unless_the_class_count_is_declared()
    {
        // The fixture's labels (0..3) with one stray 42.
        var labels = File.ReadAllBytes(fixture.Source.Labels);
        labels[^1] = 42;
        var stray = fixture.NewJobDirectory("labels") + ".idx";
        File.WriteAllBytes(stray, labels);
        var reference = $"idx:{fixture.Source.Images},{stray}";

        var refused = Train(reference);
        var declared = Train(reference + "?classes=43");

        Assert.Contains("42 occurs but 4..41 never do", OneErrorLine(refused, stray));
        Assert.True(declared.ExitCode == 0, declared.Stderr);
    }

    private static IReadOnlyDictionary<int, string> Checksums(string jobDir) =>
        JobManifest.Read(jobDir).Done.ToDictionary(s => s.Id, s => s.Sha256!);
}
