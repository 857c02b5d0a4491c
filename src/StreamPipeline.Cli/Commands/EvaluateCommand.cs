using System.CommandLine;
using System.Text.Json;
using StreamPipeline.Application;
using StreamPipeline.Application.Evaluation;
using StreamPipeline.Models;

using StreamPipeline.Cli.Presentation;

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
        var quiet = CommonOptions.Quiet();
        var attack = new AttackOptions("--attack", "Also measure robust accuracy under untargeted PGD in this norm: l2 or linf.", UntargetedPurpose.Evaluate);

        var command = new Command("evaluate", "Evaluate a checkpoint: accuracy, and robust accuracy under PGD with --attack.")
        {
            model, data, batch, seed, dataRoot, limit, device, threads, json, quiet,
        };
        attack.AddTo(command);
        command.SetAction((parse, ct) => CommandRunner.RunAsync(_ =>
        {
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            var request = new EvaluateRequest(parse.GetValue(model)!, parse.GetValue(data)!, attack.Resolve(parse),
                parse.GetValue(batch), parse.GetValue(seed), parse.GetValue(dataRoot), parse.GetValue(limit), parse.GetValue(device)!);
            var result = LiveRuns.Evaluate(request, Terminal.Choose(parse.GetValue(quiet)), ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    accuracy = result.Accuracy,
                    robust_accuracy = result.RobustAccuracy,
                    examples = result.Examples,
                    model = request.Model,
                    data = request.Data,
                    attack = request.Attack is { } a ? new { norm = Names.Norm.Of(a.Norm), eps = a.Eps, steps = a.Steps, step_size = a.StepSize } : null,
                }));
            }
            return Task.FromResult(ExitCodes.Success);
        }, ct));
        return command;
    }
}
