using StreamPipeline.Data;
using StreamPipeline.Models;
using TorchSharp;

namespace StreamPipeline.Bench;

/// <summary>
/// bench's training comparison (with <c>--peer</c>): <c>train</c>'s loop (<see cref="Trainer"/>: one epoch, Adam, the
/// recipe's batch and learning rate, the dataset read as train reads it) against the same recipe in PyTorch, as Debian
/// installs it and at its best (<see cref="PyTorchPeer.PrepareTraining"/>), from the same initial weights. Each run starts
/// from the checkpoint and takes one untimed step on the first batch before the timed epoch. Rounds alternate the order.
/// </summary>
public static class TrainingBench
{
    /// <summary>The recipe timed: <c>train</c>'s defaults, one epoch.</summary>
    public static readonly TrainingSettings Recipe = new(Epochs: 1);

    /// <summary>Images trained on when not given: the small models 8,192 (about 3 s here), the ResNets 256 (two batches).</summary>
    public static long DefaultImages(string architecture) =>
        architecture is ResNet.Cifar18 or ResNet.Cifar50 or ResNet.ImageNet50 ? 256 : 8192;

    /// <summary>Runs the rounds; <paramref name="peers"/> may be empty (PyTorch unavailable), ours always runs.</summary>
    public static async Task<TrainingComparison> RunAsync(
        VerifiedCheckpoint checkpoint, string data, string? dataRoot, long images, int? torchThreads, IReadOnlyList<PyTorchPeer> peers, int repeat,
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
                    ? Ours(checkpoint, data, dataRoot, images, torchThreads, ct)
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
    /// <see cref="Trainer.Train"/> on a dedicated thread (as a build's device worker, so the native heap behaves as in the
    /// program), on a model loaded from the checkpoint: one step on the first batch untimed, then the timed epoch.
    /// </summary>
    public static TrainingMeasurement Ours(VerifiedCheckpoint checkpoint, string data, string? dataRoot, long images, int? torchThreads, CancellationToken ct)
    {
        TrainingMeasurement? result = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                if (torchThreads is { } t) torch.set_num_threads(t);
                using var model = checkpoint.Load(torch.CPU);
                using (var warm = DatasetReference.Open(data, new DatasetOptions(dataRoot, Math.Min(images, Recipe.BatchSize))))
                    Trainer.Train(model, warm, Recipe, torch.CPU, ct: ct);
                using var set = DatasetReference.Open(data, new DatasetOptions(dataRoot, images));
                var start = ProcessSample.Take();
                var trained = Trainer.Train(model, set, Recipe, torch.CPU, ct: ct);
                var cost = start.To(ProcessSample.Take());
                result = new TrainingMeasurement(
                    "stream-pipeline (TorchSharp)", set.Count, torch.get_num_threads(), cost.Elapsed.TotalSeconds, cost.Cpu.TotalSeconds,
                    trained.FinalLoss, trained.FinalAccuracy)
                {
                    Blas = "libtorch's own (MKL)",
                    Levers = "none",
                    GlibcTunables = Environment.GetEnvironmentVariable(NativeHeap.TunablesVariable) ?? "",
                };
            }
            catch (Exception e)
            {
                failure = e;
            }
        })
        {
            IsBackground = true,
            Name = ThreadCpu.TorchThreadPrefix + "train",
        };
        thread.Start();
        thread.Join();
        if (failure is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        return result!;
    }
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
