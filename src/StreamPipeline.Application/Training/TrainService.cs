using StreamPipeline.Attacks;
using StreamPipeline.Data;
using StreamPipeline.Data.Files;
using StreamPipeline.Data.Threading;
using StreamPipeline.Models;
using TorchSharp;

namespace StreamPipeline.Application.Training;

/// <summary>Trains a model (standard or adversarial), evaluates it when asked, and writes the checkpoint atomically.</summary>
public static class TrainService
{
    /// <summary>
    /// Checks the request (output path, data, architecture) before any work, then trains. <paramref name="say"/> gets
    /// the human lines (what is trained, notices, the result); <paramref name="progress"/> the running epoch figures.
    /// </summary>
    public static CheckpointInfo Run(TrainRequest request, Action<string> say, IProgress<TrainProgress>? progress, CancellationToken ct) =>
        // On the main thread where it can be borrowed (MainThread: only there does glibc reuse blocks above 64 MiB).
        MainThread.Run(() => RunHere(request, say, progress, ct));

    private static CheckpointInfo RunHere(TrainRequest request, Action<string> say, IProgress<TrainProgress>? progress, CancellationToken ct)
    {
        request.Settings.Validate();
        CheckOutput(request.Output);
        using var data = DatasetReference.Open(request.Data, new DatasetOptions(request.DataRoot, request.Limit));
        var device = DeviceSelector.Select(request.Device, say);

        // Seed before the model exists: its initial weights come from torch's global generator too.
        torch.manual_seed(request.Settings.Seed);
        using var model = ModelFactory.Create(request.Architecture, data.Shape, data.Classes);
        var adversary = request.Adversarial is { } a ? Adversary.Untargeted(a, request.Settings.Seed) : null;
        var kind = request.Adversarial is { } adv ? $"adversarial ({adv.Describe()})" : "standard";
        say($"train: {request.Architecture} on {data.Reference} ({data.Count:N0} images {data.Shape}), {kind}, {request.Settings.Epochs} epochs, device {device}");

        var cpuBefore = Environment.CpuUsage.TotalTime;
        var trained = Trainer.Train(model, data, request.Settings, device, adversary, progress, ct);
        var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
        say($"train: done in {trained.Elapsed.TotalSeconds:F1} s, final epoch loss {trained.FinalLoss:F4} accuracy {trained.FinalAccuracy:F4}");

        var metrics = new Dictionary<string, double>
        {
            ["train_loss"] = trained.FinalLoss,
            ["train_accuracy"] = trained.FinalAccuracy,
            ["train_seconds"] = trained.Elapsed.TotalSeconds,
            // The whole process's processor time while it trained (every thread: libtorch's, .NET's), as bench reads it.
            ["train_cpu_seconds"] = cpu.TotalSeconds,
        };
        if (request.TestData is { } testRef)
        {
            using var testData = DatasetReference.Open(testRef, new DatasetOptions(request.DataRoot, request.TestLimit));
            var eval = Evaluator.Evaluate(model, testData, device, ct: ct);
            metrics["test_accuracy"] = eval.Accuracy;
            say($"train: accuracy on {testData.Reference}: {eval.Accuracy:F4} ({eval.Examples:N0} examples)");
        }

        var training = new TrainingInfo(request.Settings.Epochs, request.Settings.BatchSize, request.Settings.LearningRate, request.Settings.Seed, request.Adversarial);
        var info = Checkpoint.Save(model, request.Output, CheckpointInfo.Describe(model, data.Reference, training, metrics));
        say($"train: wrote {request.Output} (sha256 {FileChecksum.Short(info.WeightsSha256)}…)");
        return info;
    }

    /// <summary>Refuses, before training, an output that cannot become a checkpoint file.</summary>
    public static void CheckOutput(string output)
    {
        if (string.IsNullOrWhiteSpace(output))
            throw new ArgumentException("--out must name the checkpoint file to write");
        var full = Path.GetFullPath(output);
        if (Directory.Exists(full) || output.EndsWith('/'))
            throw new ArgumentException($"--out {output} is a directory; name the checkpoint file to write, e.g. {Path.Combine(output, "model.pt")}");
        if (Directory.Exists(Checkpoint.SidecarPath(full)))
            throw new ArgumentException($"--out {output}: its sidecar path {Checkpoint.SidecarPath(full)} is a directory");
        var parent = Path.GetDirectoryName(full)!;
        for (var dir = parent; !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(dir))
                throw new ArgumentException($"--out {output}: {dir} is a file, not a folder");
            if (Directory.Exists(dir))
                break;
        }
        if (System.Text.Encoding.UTF8.GetByteCount(Path.GetFileName(Checkpoint.SidecarPath(full)) + AtomicFile.TempSuffix) > 255)
            throw new ArgumentException($"--out {output}: the file name is longer than the file system allows");
    }
}
