using System.CommandLine;
using System.Text.Json;
using StreamPipeline.Attacks;
using StreamPipeline.Models;

namespace StreamPipeline.Cli.Commands;

/// <summary><c>stream-pipeline evaluate</c>: standard accuracy, and robust accuracy under an untargeted PGD attack.</summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Checkpoint to evaluate (written by train).", Required = true };
        var data = new Option<string>("--data") { Description = "Evaluation data reference.", DefaultValueFactory = _ => "fashion-mnist:test" };
        var batch = new Option<int>("--batch-size") { Description = "Batch size.", DefaultValueFactory = _ => 256 };
        var seed = new Option<int>("--seed") { Description = "Seed of the attack's random start.", DefaultValueFactory = _ => 0 };
        var dataRoot = CommonOptions.DataRoot();
        var limit = CommonOptions.Limit();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var json = CommonOptions.Json();
        var attack = new AttackOptions("--attack", "Also measure robust accuracy under untargeted PGD in this norm: l2 or linf.");

        var command = new Command("evaluate", "Evaluate a checkpoint: accuracy, and robust accuracy under PGD with --attack.")
        {
            model, data, batch, seed, dataRoot, limit, device, threads, json,
        };
        attack.AddTo(command);
        command.SetAction((parse, ct) => CommandRunner.RunAsync(_ =>
        {
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            if (parse.GetValue(batch) < 1) throw new UsageException($"--batch-size must be at least 1, got {parse.GetValue(batch)}");
            var request = new EvaluateRequest(parse.GetValue(model)!, parse.GetValue(data)!, attack.Resolve(parse, defaultSteps: 20),
                parse.GetValue(batch), parse.GetValue(seed), parse.GetValue(dataRoot), parse.GetValue(limit), parse.GetValue(device)!);
            var result = Run(request, ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    accuracy = result.Accuracy,
                    robust_accuracy = result.RobustAccuracy,
                    examples = result.Examples,
                    model = request.Model,
                    data = request.Data,
                    attack = request.Attack is { } a ? new { norm = a.Norm.ToString().ToLowerInvariant(), eps = a.Eps, steps = a.Steps, step_size = a.StepSize } : null,
                }));
            }
            return Task.FromResult(ExitCodes.Success);
        }, ct));
        return command;
    }

    public sealed record EvaluateRequest(
        string Model, string Data, AttackSettings? Attack, int BatchSize, int Seed, string? DataRoot, long? Limit, string Device);

    public static EvaluationResult Run(EvaluateRequest request, CancellationToken ct)
    {
        var device = DeviceSelector.Select(request.Device, notice => Console.Error.WriteLine(notice));
        using var data = CommonOptions.OpenData(request.Data, request.DataRoot, request.Limit);
        var (model, info) = Checkpoint.Load(request.Model, device);
        using var _ = model;
        Checkpoint.CheckCompatible(info, data.Shape, data.Classes);
        // Evaluation keeps each example's strongest iterate (highest loss): a stronger attack than the last iterate.
        var attack = request.Attack is { } a ? Adversary.Untargeted(a with { KeepBest = true }, request.Seed) : null;

        EvaluationResult result;
        using (var progress = new ProgressLine("evaluate"))
        {
            result = Evaluator.Evaluate(model, data, device, request.BatchSize, attack,
                new SyncProgress<EvaluationProgress>(p => progress.Report(p.ExamplesDone, p.ExamplesTotal,
                    $"acc {p.Accuracy:F4}" + (p.RobustAccuracy is { } r ? $" robust {r:F4}" : ""))), ct);
        }
        var robust = result.RobustAccuracy is { } ra
            ? $", robust accuracy {ra:F4} under {request.Attack!.Norm} eps {request.Attack.Eps} PGD-{request.Attack.Steps}"
            : "";
        Console.Error.WriteLine($"evaluate: {request.Model} on {data.Reference}: accuracy {result.Accuracy:F4}{robust} ({result.Examples:N0} examples)");
        return result;
    }
}
