using System.Globalization;
using System.Text.Json;
using StreamPipeline.Models;

namespace StreamPipeline.Bench;

/// <summary>
/// bench's training comparison (with <c>--peer</c>): <c>stream-pipeline train</c> (one epoch, Adam, the recipe's batch
/// and learning rate, a fresh model with seed 0) against the same recipe in PyTorch, as Debian installs it and at its
/// best (<see cref="PyTorchPeer.PrepareTraining"/>), from the same initial weights where bench's model is a fresh one.
/// Every run is timed from its first step (train's own clock). Rounds alternate the order.
/// </summary>
public static class TrainingBench
{
    /// <summary>The recipe timed: <c>train</c>'s defaults, one epoch.</summary>
    public static readonly TrainingSettings Recipe = new(Epochs: 1);

    /// <summary>Images trained on when not given: the small models 8,192 (about 3 s here), the ResNets 256 (two batches).</summary>
    public static long DefaultImages(string architecture) =>
        BenchSettings.IsResNet(architecture) ? 256 : 8192;

    /// <summary>Runs the rounds; <paramref name="peers"/> may be empty (PyTorch unavailable), ours always runs.</summary>
    public static async Task<TrainingComparison> RunAsync(
        string architecture, string data, string? dataRoot, long images, int threads, IReadOnlyList<PyTorchPeer> peers, int repeat, string folder,
        Action<string> progress, CancellationToken ct)
    {
        var rounds = new List<TrainingRound>();
        for (var number = 1; number <= repeat; number++)
        {
            var order = new List<string> { TrainingComparison.Ours };
            order.AddRange(peers.Select(p => p.Variant == BenchPhase.Peer ? TrainingComparison.PyTorch : TrainingComparison.PyTorchBest));
            if (number % 2 == 0) order.Reverse();
            var runs = new Dictionary<string, TrainingMeasurement>();
            foreach (var who in order)
            {
                BenchRunner.StartPhase(out _);
                runs[who] = who == TrainingComparison.Ours
                    ? await OursAsync(architecture, data, dataRoot, images, threads, folder, ct)
                    : await peers.Single(p => (p.Variant == BenchPhase.Peer ? TrainingComparison.PyTorch : TrainingComparison.PyTorchBest) == who)
                        .RunTrainingAsync(ct);
            }
            var round = new TrainingRound(number, order, runs);
            rounds.Add(round);
            progress($"bench: training round {number}/{repeat} ({string.Join(", ", order)}): " +
                     string.Join(", ", order.Select(w => $"{w} {runs[w].ImagesPerSecond:N0}")) + " img/s");
        }
        return new TrainingComparison(images, Recipe, rounds);
    }

    /// <summary>
    /// <c>stream-pipeline train</c> itself, as a child process (this program, with the user's environment: its heap
    /// tunables, its threads): a fresh model of the architecture (seed 0, as bench's own fresh model), one epoch of
    /// <paramref name="images"/>, timed by train's own clock from the first step (<c>train_seconds</c>, and the process's
    /// processor time while it trained, <c>train_cpu_seconds</c>). A child, not a thread of bench: train trains on its
    /// main thread, whose heap (unlike a thread's, 64 MiB at most) serves ResNet-50's large buffers without fresh
    /// mappings each step (measured: 100-350 against 19,000 page faults a step).
    /// </summary>
    public static async Task<TrainingMeasurement> OursAsync(
        string architecture, string data, string? dataRoot, long images, int threads, string folder, CancellationToken ct)
    {
        var output = Path.Combine(folder, $"train-{Guid.NewGuid():N}.pt");
        var start = ChildProcess.Self("train");
        string[] arguments =
        [
            "train", "--model", architecture, "--data", data, "--limit", Invariant(images), "--epochs", "1", "--batch-size", Invariant(Recipe.BatchSize),
            "--lr", Invariant(Recipe.LearningRate), "--seed", Invariant(Recipe.Seed), "--threads", Invariant(threads), "--device", "cpu",
            "--out", output, "--json", "--quiet",
        ];
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        if (dataRoot is not null) { start.ArgumentList.Add("--data-root"); start.ArgumentList.Add(dataRoot); }
        int code;
        string stdout, stderr;
        try
        {
            (code, stdout, stderr) = await ChildProcess.RunAsync(start, ct);
        }
        finally
        {
            foreach (var file in new[] { output, Checkpoint.SidecarPath(output) })
                if (File.Exists(file)) File.Delete(file);
        }
        if (code != 0)
            throw new InvalidOperationException($"bench: train exited {code}: {ChildProcess.LastLine(stderr) ?? "no message"}");
        var line = ChildProcess.LastLine(stdout) ?? throw new InvalidOperationException("bench: train printed nothing");
        using var json = JsonDocument.Parse(line);
        var r = json.RootElement;
        var levers = BenchSettings.IsResNet(architecture) ? "inplace,channels-last" : "inplace";
        return new TrainingMeasurement(
            "stream-pipeline train (TorchSharp)", images, threads, r.GetProperty("train_seconds").GetDouble(), r.GetProperty("train_cpu_seconds").GetDouble(),
            r.GetProperty("train_loss").GetDouble(), r.GetProperty("train_accuracy").GetDouble())
        {
            Blas = "libtorch's own (MKL)",
            Levers = levers,
            GlibcTunables = Environment.GetEnvironmentVariable(NativeHeap.Variable) is "default" ? "" : NativeHeap.Tunables,
        };
    }

    private static string Invariant(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
}

/// <summary>One timed training epoch, ours or PyTorch's.</summary>
public sealed record TrainingMeasurement(string Engine, long Images, int Threads, double Seconds, double CpuSeconds, double Loss, double Accuracy)
{
    public double ImagesPerSecond => Seconds > 0 ? Images / Seconds : double.NaN;

    public double ImagesPerCpuSecond => CpuSeconds > 0 ? Images / CpuSeconds : double.NaN;

    public string Blas { get; init; } = "unknown";

    public string Levers { get; init; } = "none";

    public string GlibcTunables { get; init; } = "";
}

/// <summary>One round of the training comparison: who ran in which order, and each one's epoch.</summary>
public sealed record TrainingRound(int Number, IReadOnlyList<string> Order, IReadOnlyDictionary<string, TrainingMeasurement> Runs)
{
    /// <summary>Ours over <paramref name="who"/> in images per second; null when that one did not run.</summary>
    public double? OursTo(string who) =>
        Runs.TryGetValue(who, out var other) ? Runs[TrainingComparison.Ours].ImagesPerSecond / other.ImagesPerSecond : null;
}
