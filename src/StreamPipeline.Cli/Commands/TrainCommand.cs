using System.CommandLine;
using System.Text.Json;
using StreamPipeline.Attacks;
using StreamPipeline.Models;
using TorchSharp;

namespace StreamPipeline.Cli.Commands;

/// <summary><c>stream-pipeline train</c>: standard or PGD adversarial training, saved as a checkpoint with a JSON sidecar.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Training data reference (fashion-mnist:train, cifar10:DIR:train, idx:IMAGES,LABELS, folder:DIR, parquet:JOBDIR).", DefaultValueFactory = _ => "fashion-mnist:train" };
        var model = new Option<string>("--model") { Description = $"Architecture: {string.Join(", ", ModelFactory.Architectures)}.", DefaultValueFactory = _ => "small-cnn" };
        var output = new Option<string>("--out") { Description = "Checkpoint path to write (the sidecar goes to PATH.json).", Required = true };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => 3 };
        var batch = new Option<int>("--batch-size") { Description = "Batch size.", DefaultValueFactory = _ => 128 };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => 1e-3 };
        var seed = new Option<int>("--seed") { Description = "Seed for initialisation, shuffling and attacks.", DefaultValueFactory = _ => 0 };
        var test = new Option<string?>("--test-data") { Description = "Also evaluate on this dataset after training and record the accuracy in the sidecar." };
        var dataRoot = CommonOptions.DataRoot();
        var limit = CommonOptions.Limit();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var json = CommonOptions.Json();
        var adversarial = new AttackOptions("--adversarial", "Adversarial training (Madry et al.) with PGD in this norm: l2 or linf.");

        var command = new Command("train", "Train a model (standard, or adversarially with --adversarial) and save a checkpoint.")
        {
            data, model, output, epochs, batch, lr, seed, test, dataRoot, limit, device, threads, json,
        };
        adversarial.AddTo(command);

        command.SetAction((parse, ct) => CommandRunner.RunAsync(_ =>
        {
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            var attack = adversarial.Resolve(parse, defaultSteps: 7);
            var settings = new TrainingSettings(parse.GetValue(epochs), parse.GetValue(batch), parse.GetValue(lr), Seed: parse.GetValue(seed));
            settings.Validate();
            var request = new TrainRequest(
                parse.GetValue(data)!, parse.GetValue(model)!, parse.GetValue(output)!, settings, attack,
                parse.GetValue(test), parse.GetValue(dataRoot), parse.GetValue(limit), parse.GetValue(device)!);
            var result = Run(request, ct);
            if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(result.Metrics));
            return Task.FromResult(ExitCodes.Success);
        }, ct));
        return command;
    }

    /// <summary>Everything one training run needs; the experiment command builds these too.</summary>
    public sealed record TrainRequest(
        string Data, string Architecture, string Output, TrainingSettings Settings, AttackSettings? Adversarial,
        string? TestData, string? DataRoot, long? Limit, string Device, long? TestLimit = null);

    /// <summary>Trains, evaluates when asked, and writes the checkpoint (atomically); returns its sidecar.</summary>
    public static CheckpointInfo Run(TrainRequest request, CancellationToken ct)
    {
        using var data = CommonOptions.OpenData(request.Data, request.DataRoot, request.Limit);
        var device = DeviceSelector.Select(request.Device, notice => Console.Error.WriteLine(notice));
        var dir = Path.GetDirectoryName(Path.GetFullPath(request.Output))!;
        Directory.CreateDirectory(dir);

        // Seed before the model exists: its initial weights come from torch's global generator too.
        torch.manual_seed(request.Settings.Seed);
        using var model = ModelFactory.Create(request.Architecture, data.Shape, data.Classes);
        var adversary = request.Adversarial is { } a ? Adversary.Untargeted(a, request.Settings.Seed) : null;
        var kind = request.Adversarial is null ? "standard" : $"adversarial ({request.Adversarial.Norm} eps {request.Adversarial.Eps} PGD-{request.Adversarial.Steps})";
        Console.Error.WriteLine($"train: {request.Architecture} on {data.Reference} ({data.Count:N0} images {data.Shape}), {kind}, {request.Settings.Epochs} epochs, device {device}");

        TrainResult trained;
        using (var progress = new ProgressLine("train"))
        {
            trained = Trainer.Train(model, data, request.Settings, device, adversary,
                new SyncProgress<TrainProgress>(p => progress.Report(
                    (long)(p.Epoch - 1) * p.ExamplesTotal + p.ExamplesDone, (long)p.Epochs * p.ExamplesTotal,
                    $"epoch {p.Epoch}/{p.Epochs} loss {p.Loss:F3} acc {p.Accuracy:F3}")), ct);
        }
        Console.Error.WriteLine($"train: done in {trained.Elapsed.TotalSeconds:F1} s, final epoch loss {trained.FinalLoss:F4} accuracy {trained.FinalAccuracy:F4}");

        var metrics = new Dictionary<string, double>
        {
            ["train_loss"] = trained.FinalLoss,
            ["train_accuracy"] = trained.FinalAccuracy,
            ["train_seconds"] = trained.Elapsed.TotalSeconds,
        };
        if (request.TestData is { } testRef)
        {
            using var testData = CommonOptions.OpenData(testRef, request.DataRoot, request.TestLimit);
            var eval = Evaluator.Evaluate(model, testData, device, ct: ct);
            metrics["test_accuracy"] = eval.Accuracy;
            Console.Error.WriteLine($"train: accuracy on {testData.Reference}: {eval.Accuracy:F4} ({eval.Examples:N0} examples)");
        }

        var training = new TrainingInfo(request.Settings.Epochs, request.Settings.BatchSize, request.Settings.LearningRate, request.Settings.Seed,
            request.Adversarial is { } adv ? adv.Norm.ToString().ToLowerInvariant() : null,
            request.Adversarial?.Eps ?? 0, request.Adversarial?.Steps ?? 0, request.Adversarial?.StepSize ?? 0);
        var info = Checkpoint.Save(model, request.Output, CheckpointInfo.Describe(model, data.Reference, training, metrics));
        Console.Error.WriteLine($"train: wrote {request.Output} (sha256 {info.WeightsSha256[..12]}…)");
        return info;
    }
}
