using System.CommandLine;
using System.Text.Json;
using StreamPipeline.Application;
using StreamPipeline.Application.Training;
using StreamPipeline.Models;

using StreamPipeline.Cli.Presentation;

namespace StreamPipeline.Cli.Commands;

/// <summary><c>stream-pipeline train</c>: standard or PGD adversarial training, saved as a checkpoint with a JSON sidecar.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = $"Training data reference ({StreamPipeline.Data.DatasetReference.Forms}).", DefaultValueFactory = _ => "fashion-mnist:train" };
        var model = new Option<string>("--model") { Description = $"Architecture: {string.Join(", ", ModelFactory.Architectures)} (default small-cnn).", DefaultValueFactory = _ => "small-cnn" };
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
        var quiet = CommonOptions.Quiet();
        var adversarial = new AttackOptions("--adversarial", "Adversarial training (Madry et al.) with PGD in this norm: l2 or linf.", UntargetedPurpose.Train);

        var command = new Command("train", "Train a model (standard, or adversarially with --adversarial) and save a checkpoint.")
        {
            data, model, output, epochs, batch, lr, seed, test, dataRoot, limit, device, threads, json, quiet,
        };
        adversarial.AddTo(command);

        command.SetAction((parse, ct) => CommandRunner.RunAsync(_ =>
        {
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            var settings = new TrainingSettings(parse.GetValue(epochs), parse.GetValue(batch), parse.GetValue(lr), Seed: parse.GetValue(seed));
            var request = new TrainRequest(
                parse.GetValue(data)!, parse.GetValue(model)!, parse.GetValue(output)!, settings, adversarial.Resolve(parse),
                parse.GetValue(test), parse.GetValue(dataRoot), parse.GetValue(limit), parse.GetValue(device)!);
            var info = LiveRuns.Train(request, Terminal.Choose(parse.GetValue(quiet)), ct);
            if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(info.Metrics));
            return Task.FromResult(ExitCodes.Success);
        }, ct));
        return command;
    }
}
