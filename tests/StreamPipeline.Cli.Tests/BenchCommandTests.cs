using System.Text.Json;
using System.Text.RegularExpressions;
using StreamPipeline.Data;

namespace StreamPipeline.Cli.Tests;

/// <summary>
/// bench through the real program, on tiny limits (1 step, a few batches): interleaved rounds, the median ratio with its
/// spread, the processor-time ratio and each phase's cost as one JSON object; the cluster and PyTorch phases beside
/// them. No figure is compared with a speed: the tests check the shape and the arithmetic, not the machine.
/// </summary>
public sealed class BenchCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [FashionMnistFact]
    public void Bench_json_reports_each_interleaved_round_the_median_ratio_inside_its_spread_and_each_phase_cost()
    {
        var result = CliProcess.Run(_dir.Path, "bench", "--json", "--mode", "sequential", "--limit", "64", "--batch-size", "32", "--steps", "1", "--repeat", "3");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        Assert.Equal("sequential", root.GetProperty("mode").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("mode_reason").ValueKind);

        // The phase order alternates, so neither always runs first.
        var rounds = root.GetProperty("rounds").EnumerateArray().ToList();
        Assert.Equal(3, rounds.Count);
        Assert.Equal(["bare", "pipeline"], Order(rounds[0]));
        Assert.Equal(["pipeline", "bare"], Order(rounds[1]));
        Assert.Equal(["bare", "pipeline"], Order(rounds[2]));

        // Each round's ratio is its own pipeline rate over its own bare rate; the headline is their median, inside the spread.
        foreach (var round in rounds)
        {
            var bare = round.GetProperty("bare").GetProperty("img_steps_per_s").GetDouble();
            var pipeline = round.GetProperty("pipeline").GetProperty("img_steps_per_s").GetDouble();
            Assert.True(bare > 0 && pipeline > 0, round.ToString());
            Assert.True(round.GetProperty("bare").GetProperty("cores_in_use").GetDouble() > 0, round.ToString());
            Assert.Equal(pipeline / bare, round.GetProperty("ratio").GetDouble(), QuotientRounding(pipeline, bare, 0.1));
            var pipelineCpu = round.GetProperty("pipeline").GetProperty("cpu_seconds").GetDouble();
            var bareCpu = round.GetProperty("bare").GetProperty("cpu_seconds").GetDouble();
            Assert.Equal(pipelineCpu / bareCpu, round.GetProperty("cpu_ratio").GetDouble(), QuotientRounding(pipelineCpu, bareCpu, 0.001));
        }
        AssertMedianOf(rounds, root, "ratio");
        AssertMedianOf(rounds, root, "cpu_ratio");

        // Every phase ran with the same torch thread count, and did the same work: the same attack outcome.
        Assert.Single(root.GetProperty("torch_threads").EnumerateArray());
        var phases = root.GetProperty("phases");
        Assert.Equal(phases.GetProperty("bare").GetProperty("attack_success").GetDouble(), phases.GetProperty("pipeline").GetProperty("attack_success").GetDouble());
        foreach (var name in new[] { "bare", "pipeline" })
        {
            var phase = phases.GetProperty(name);
            Assert.True(phase.GetProperty("img_steps_per_s").GetDouble() > 0, $"{name}: {phase}");
            Assert.True(phase.GetProperty("cpu_seconds").GetDouble() > 0, $"{name}: {phase}");
            Assert.True(phase.GetProperty("allocated_bytes_per_image").GetDouble() > 0, $"{name}: {phase}");
            Assert.True(phase.GetProperty("peak_rss_bytes").GetInt64() > 0, $"{name}: {phase}");
            // The CPU device's torch work ran on the program's main thread (MainThread), the one whose heap reuses big blocks.
            Assert.True(phase.GetProperty("main_thread").GetBoolean(), $"{name}: {phase}");
            var gc = phase.GetProperty("gc");
            foreach (var figure in new[] { "gen0", "gen1", "gen2", "pause_ms" })
                Assert.True(gc.GetProperty(figure).GetDouble() >= 0, $"{name} gc {figure}: {gc}");
            var threads = phase.GetProperty("cpu_by_thread_seconds");
            foreach (var group in new[] { "torch", "dotnet_pool", "gc", "other", "ended" })
                Assert.True(threads.GetProperty(group).GetDouble() >= 0, $"{name} cpu {group}: {threads}");
        }
        var pipelinePhase = phases.GetProperty("pipeline");
        Assert.InRange(pipelinePhase.GetProperty("device_busy_share").GetDouble(), 0, 1.01);
        Assert.True(pipelinePhase.GetProperty("parquet_bytes").GetInt64() > 0);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("cluster").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("peer").ValueKind);
        Assert.Equal(3, root.GetProperty("load_average").GetProperty("start").GetArrayLength());

        var settings = root.GetProperty("settings");
        Assert.Equal(64, settings.GetProperty("images").GetInt64());
        Assert.Equal(32, settings.GetProperty("batch_size").GetInt32());
        Assert.Equal(1, settings.GetProperty("steps").GetInt32());
        Assert.Equal(3, settings.GetProperty("repeat").GetInt32());
        Assert.Equal("det", settings.GetProperty("construction").GetString());
        Assert.Equal("fashion-mnist:train", settings.GetProperty("data").GetString());
        Assert.Equal("cpu", root.GetProperty("device").GetString());

        // The job directories it announced on stderr live in its temporary directory, which is gone.
        var temps = Regex.Matches(result.Stderr, @"(/\S*/sp-bench-[0-9a-f]{12})/").Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.NotEmpty(temps);
        Assert.All(temps, dir => Assert.False(Directory.Exists(dir), $"{dir} was left behind"));
    }

    [FashionMnistFact]
    public void Bench_by_default_pairs_the_phases_at_the_same_time_on_two_pinned_cpus_swapped_every_round()
    {
        var result = CliProcess.Run(_dir.Path, "bench", "--json", "--limit", "64", "--batch-size", "32", "--steps", "1");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        if (Environment.ProcessorCount < 2)
        {
            // A one-CPU machine cannot pair: auto falls back and says why.
            Assert.Equal("sequential", root.GetProperty("mode").GetString());
            Assert.Contains("two CPUs", root.GetProperty("mode_reason").GetString());
            return;
        }
        Assert.Equal("paired", root.GetProperty("mode").GetString());
        // One torch thread on each side, and both did the same work.
        Assert.Equal(1, Assert.Single(root.GetProperty("torch_threads").EnumerateArray().ToList()).GetInt32());
        var phases = root.GetProperty("phases");
        Assert.Equal(phases.GetProperty("bare").GetProperty("attack_success").GetDouble(), phases.GetProperty("pipeline").GetProperty("attack_success").GetDouble());

        // Five rounds by default.
        var rounds = root.GetProperty("rounds").EnumerateArray().ToList();
        Assert.Equal(5, rounds.Count);
        var firstBare = rounds[0].GetProperty("cpus").GetProperty("bare").GetInt32();
        var firstPipeline = rounds[0].GetProperty("cpus").GetProperty("pipeline").GetInt32();
        for (var i = 0; i < rounds.Count; i++)
        {
            var round = rounds[i];
            Assert.Equal(JsonValueKind.Null, round.GetProperty("order").ValueKind);
            var cpus = round.GetProperty("cpus");
            var bareCpu = cpus.GetProperty("bare").GetInt32();
            var pipelineCpu = cpus.GetProperty("pipeline").GetInt32();
            Assert.NotEqual(bareCpu, pipelineCpu);
            // Swapped every round, so neither side always has the same CPU.
            Assert.Equal(i % 2 == 0 ? (firstBare, firstPipeline) : (firstPipeline, firstBare), (bareCpu, pipelineCpu));
            // Every thread of each process was pinned to one of the two CPUs at the end of its window (read back from /proc;
            // the two keep swapping until the round is over, so either may be the one). Unpinned, a thread would list both.
            foreach (var side in new[] { "bare_threads_allowed", "pipeline_threads_allowed" })
                Assert.All(cpus.GetProperty(side).EnumerateArray().Select(c => c.GetString()!),
                    allowed => Assert.Contains(allowed, new[] { bareCpu.ToString(), pipelineCpu.ToString() }));
            var bare = round.GetProperty("bare").GetProperty("img_steps_per_s").GetDouble();
            var pipeline = round.GetProperty("pipeline").GetProperty("img_steps_per_s").GetDouble();
            Assert.True(bare > 0 && pipeline > 0, round.ToString());
            Assert.Equal(pipeline / bare, round.GetProperty("ratio").GetDouble(), QuotientRounding(pipeline, bare, 0.1));
        }
        AssertMedianOf(rounds, root, "ratio");
        AssertMedianOf(rounds, root, "cpu_ratio");
        Assert.True(phases.GetProperty("pipeline").GetProperty("parquet_bytes").GetInt64() > 0);
        // In each side's own process too, the torch work ran on that process's main thread.
        Assert.True(phases.GetProperty("bare").GetProperty("main_thread").GetBoolean(), phases.ToString());
        Assert.True(phases.GetProperty("pipeline").GetProperty("main_thread").GetBoolean(), phases.ToString());
        Assert.Contains("paired", result.Stderr);

        var temps = Regex.Matches(result.Stderr, @"(/\S*/sp-bench-[0-9a-f]{12})/").Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.NotEmpty(temps);
        Assert.All(temps, dir => Assert.False(Directory.Exists(dir), $"{dir} was left behind"));
    }

    [Fact]
    public void Paired_mode_with_a_phase_that_runs_in_sequence_is_one_line_and_exit_2()
    {
        var result = CliProcess.Run(_dir.Path, "bench", "--mode", "paired", "--workers", "1", "--limit", "8");

        Assert.Equal(2, result.ExitCode);
        var error = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains("--mode paired", error);
        Assert.Equal("", result.Stdout.Trim());
    }

    [FashionMnistFact]
    public void Bench_with_one_worker_and_the_peer_reports_the_cluster_beside_the_single_process_and_pytorch_beside_ours()
    {
        var result = CliProcess.Run(_dir.Path, "bench", "--json", "--quiet", "--limit", "64", "--batch-size", "32", "--steps", "1", "--repeat", "1",
            "--workers", "1", "--peer", "--train-images", "0");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        var round = Assert.Single(root.GetProperty("rounds").EnumerateArray().ToList());
        // The peer runs twice a round: as Debian installs it, and at its best (OpenBLAS, folded, channels_last).
        Assert.Equal(["bare", "pipeline", "cluster", "pytorch", "pytorch-best"], Order(round));

        var cluster = root.GetProperty("cluster");
        Assert.Equal(1, cluster.GetProperty("workers").GetInt32());
        var clusterRate = cluster.GetProperty("img_steps_per_s").GetDouble();
        var single = cluster.GetProperty("single_process_img_steps_per_s").GetDouble();
        Assert.True(clusterRate > 0 && single > 0, cluster.ToString());
        Assert.Equal(root.GetProperty("pipeline_img_steps_per_s").GetDouble(), single);
        Assert.Equal(clusterRate / single, cluster.GetProperty("ratio").GetDouble(), QuotientRounding(clusterRate, single, 0.1));
        Assert.Contains("cannot add speed", cluster.GetProperty("note").GetString());
        // Every row reached the coordinator and was committed there.
        Assert.True(root.GetProperty("phases").GetProperty("cluster").GetProperty("parquet_bytes").GetInt64() > 0);

        var peer = root.GetProperty("peer");
        Assert.True(peer.GetProperty("available").GetBoolean(), peer.ToString());
        Assert.StartsWith("pytorch ", peer.GetProperty("engine").GetString());
        Assert.Equal("small-cnn", peer.GetProperty("arch").GetString());
        Assert.Equal("same", peer.GetProperty("weights").GetString());
        // The peer ran with the thread count our phases ran with.
        Assert.Equal(Assert.Single(root.GetProperty("torch_threads").EnumerateArray().ToList()).GetInt32(), peer.GetProperty("threads").GetInt32());
        Assert.True(peer.GetProperty("img_steps_per_s").GetDouble() > 0);
        Assert.True(double.IsFinite(peer.GetProperty("bare_to_peer").GetDouble()) && peer.GetProperty("bare_to_peer").GetDouble() > 0);

        // --quiet: the summary, no progress lines.
        Assert.DoesNotContain("bench: round", result.Stderr);
        Assert.Contains("PyTorch", result.Stderr);
    }

    [FashionMnistFact]
    public void Bench_peer_times_train_beside_pytorch_as_debian_installs_it_and_at_its_best_with_the_same_recipe_and_weights()
    {
        var result = CliProcess.Run(_dir.Path, "bench", "--json", "--quiet", "--limit", "32", "--batch-size", "32", "--steps", "1", "--repeat", "2",
            "--peer", "--train-images", "384", "--threads", "1");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var training = json.RootElement.GetProperty("training");
        Assert.Equal(384, training.GetProperty("images").GetInt64());
        Assert.Equal(128, training.GetProperty("batch_size").GetInt32());
        Assert.Equal("Adam", training.GetProperty("optimizer").GetString());
        Assert.Equal(2, training.GetProperty("rounds").GetInt32());
        var ours = training.GetProperty("ours");
        var losses = new List<double>();
        foreach (var who in new[] { "ours", "pytorch", "pytorch-best" })
        {
            var run = training.GetProperty(who);
            // Every runner trained in both rounds, with the thread count asked for.
            var perRound = run.GetProperty("per_round").EnumerateArray().Select(v => v.GetDouble()).ToList();
            Assert.Equal(2, perRound.Count);
            Assert.All(perRound, rate => Assert.True(rate > 0, run.ToString()));
            Assert.Equal(perRound.Order().Sum() / 2, run.GetProperty("img_per_s").GetDouble(), 0.1);
            Assert.Equal(1, run.GetProperty("threads").GetInt32());
            if (who != "ours")
                Assert.Equal(ours.GetProperty("img_per_s").GetDouble() / run.GetProperty("img_per_s").GetDouble(), run.GetProperty("ours_to_this").GetDouble(), 0.05);
        }
        // Ours is the train command itself, a child process: small-cnn pools before its in-place ReLUs, NCHW.
        Assert.StartsWith("stream-pipeline train", ours.GetProperty("engine").GetString());
        Assert.Equal("inplace", ours.GetProperty("transforms").GetString());
        Assert.StartsWith("pytorch ", training.GetProperty("pytorch").GetProperty("engine").GetString());
        Assert.Equal("none", training.GetProperty("pytorch").GetProperty("transforms").GetString());
        Assert.Equal("", training.GetProperty("pytorch").GetProperty("glibc_tunables").GetString());
        // At its best: in place, channels_last, never folding (a model in training keeps its batch-norms), our heap tunables.
        Assert.Equal("inplace,channels-last", training.GetProperty("pytorch-best").GetProperty("transforms").GetString());
        Assert.Contains("glibc.malloc.mmap_max=0", training.GetProperty("pytorch-best").GetProperty("glibc_tunables").GetString());
        Assert.Contains("training", result.Stderr);
        Assert.Contains("ours/PyTorch", result.Stderr);
    }

    [Fact]
    public void Bench_train_images_without_the_peer_is_one_line_and_exit_2()
    {
        var result = CliProcess.Run(_dir.Path, "bench", "--train-images", "512");

        Assert.Equal(2, result.ExitCode);
        var error = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains("--train-images", error);
        Assert.Contains("--peer", error);
    }

    [Fact]
    public void Bench_of_a_resnet_architecture_attacks_a_fresh_model_on_seeded_random_cifar_sized_images()
    {
        var result = CliProcess.Run(_dir.Path, "bench", "--json", "--quiet", "--model", "resnet18", "--limit", "2", "--batch-size", "2", "--steps", "1",
            "--repeat", "1", "--threads", "1");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        var settings = root.GetProperty("settings");
        Assert.Equal("resnet18", settings.GetProperty("architecture").GetString());
        Assert.Equal("resnet18 (freshly initialised)", settings.GetProperty("model").GetString());
        Assert.Matches(@"^cifar10:/\S*/sp-bench-[0-9a-f]{12}/cifar10:train$", settings.GetProperty("data").GetString());
        Assert.Equal(2, settings.GetProperty("images").GetInt64());
        var phases = root.GetProperty("phases");
        Assert.Equal(phases.GetProperty("bare").GetProperty("attack_success").GetDouble(), phases.GetProperty("pipeline").GetProperty("attack_success").GetDouble());
        Assert.Equal(1, Assert.Single(root.GetProperty("torch_threads").EnumerateArray().ToList()).GetInt32());
    }

    [Fact]
    public void Bench_help_says_more_workers_cannot_add_speed_on_a_machine_whose_cores_they_share()
    {
        var result = CliProcess.Run(_dir.Path, "bench", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--workers", result.Stdout);
        Assert.Contains("cannot add speed", Regex.Replace(result.Stdout, @"\s+", " "));
        Assert.Contains("--peer", result.Stdout);
        Assert.Contains("--mode", result.Stdout);

        // The paired mode's phase processes are started by bench itself: their command is not offered to users.
        var top = CliProcess.Run(_dir.Path, "--help");
        Assert.DoesNotContain("bench-phase", top.Stdout);
    }

    [Theory]
    [InlineData("--repeat", "0")]
    [InlineData("--workers", "0")]
    [InlineData("--limit", "0")]
    public void Bench_with_an_out_of_range_count_is_one_line_naming_the_flag_and_exit_2(string flag, string value)
    {
        var result = CliProcess.Run(_dir.Path, "bench", flag, value);

        Assert.Equal(2, result.ExitCode);
        var errors = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.Single(errors);
        Assert.Contains(flag, errors[0]);
        Assert.Equal("", result.Stdout.Trim());
    }

    private static string[] Order(JsonElement round) => [.. round.GetProperty("order").EnumerateArray().Select(p => p.GetString()!)];

    /// <summary>
    /// How far a quotient recomputed from two printed figures (each rounded to <paramref name="step"/>) may lie from the
    /// printed quotient (rounded to 1e-4).
    /// </summary>
    private static double QuotientRounding(double numerator, double denominator, double step) =>
        numerator / denominator * (step / 2 / numerator + step / 2 / denominator) + 0.00005 + 1e-9;

    private static void AssertMedianOf(IReadOnlyList<JsonElement> rounds, JsonElement root, string name)
    {
        var values = rounds.Select(r => r.GetProperty(name).GetDouble()).Order().ToList();
        Assert.Equal(values[values.Count / 2], root.GetProperty(name).GetDouble(), 1e-9);
        Assert.Equal(values[0], root.GetProperty(name + "_min").GetDouble(), 1e-9);
        Assert.Equal(values[^1], root.GetProperty(name + "_max").GetDouble(), 1e-9);
    }
}
