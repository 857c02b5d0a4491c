using System.CommandLine;
using StreamPipeline.Application.Building;
using StreamPipeline.Cluster.Workers;
using StreamPipeline.Cli.Presentation;
using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Cli.Commands;

/// <summary><c>stream-pipeline worker</c>: builds shards of a coordinator's job (build --serve) on this machine's devices.</summary>
public static class WorkerCommand
{
    public static Command Create()
    {
        var join = new Option<string>("--join") { Description = "The coordinator's HOST:PORT (printed by build --serve).", Required = true };
        var devices = CommonOptions.Devices("auto | cpu | cuda:0,cuda:1 | cpu,cpu (one device worker per entry; default auto).");
        var model = new Option<string?>("--model") { Description = "This machine's copy of the job's checkpoint (default: the path in the job's spec). Its SHA-256 must be the job's." };
        var job = new Option<string?>("--job") { Description = "Serve only the job with this spec hash (as inspect shows it); a coordinator of another job is refused." };
        var dataRoot = CommonOptions.DataRoot();
        var threads = CommonOptions.Threads();
        var metrics = Telemetry.ExporterOption();
        var interval = Telemetry.IntervalOption();
        var cluster = new ClusterOptions(defaultPort: 0);

        var command = new Command("worker",
            "Join a coordinator (build JOBDIR --serve) and build shards of its job with this machine's devices, pulling one lease at a time. " +
            "The model and data here must be the job's (checked by SHA-256 and fingerprint). Reconnects by itself if the coordinator restarts.")
        {
            join, devices, model, job, dataRoot, threads, metrics, interval,
        };
        cluster.AddTo(command);
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async token =>
        {
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            var coordinator = parse.GetValue(join)!;
            if (!coordinator.Contains(':') || !int.TryParse(coordinator[(coordinator.LastIndexOf(':') + 1)..], out var coordinatorPort) || coordinatorPort is < 1 or > 65535)
                throw new UsageException($"--join {coordinator}: expected HOST:PORT of the coordinator");
            var akka = cluster.Config(parse);
            var endpoint = cluster.Resolve(parse, akka);
            var deviceList = parse.GetValue(devices)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            void Say(string line) => Console.Error.WriteLine($"worker: {line}");
            using var session = Telemetry.Create(parse.GetValue(metrics)!, parse.GetValue(interval));
            using var pipelineMetrics = new PipelineMetrics($"{endpoint.PublicHost}:{endpoint.Port}");
            var outcome = await WorkerNode.RunAsync(
                new WorkerOptions(coordinator, endpoint, deviceList, parse.GetValue(job)),
                new ClusterWorkerBackend(deviceList, parse.GetValue(model), parse.GetValue(dataRoot), Say), akka, pipelineMetrics, Say, token);
            var summary = $"{outcome.ShardsDelivered} shard(s) committed, {outcome.ShardsDiscarded} discarded";
            int code;
            switch (outcome.End)
            {
                case WorkerEnd.JobFinished:
                    Say($"job finished ({outcome.Message}); {summary}");
                    code = ExitCodes.Success;
                    break;
                case WorkerEnd.Refused:
                    Console.Error.WriteLine($"error: {outcome.Message}");
                    code = ExitCodes.BadInput;
                    break;
                default:
                    Console.Error.WriteLine($"failed: {outcome.Message}; {summary}");
                    code = ExitCodes.JobFailed;
                    break;
            }
            // A worker that served the job (even one left without a lease) stays up for one more scrape.
            session?.AwaitLastScrape(pipelineMetrics, outcome.End == WorkerEnd.JobFinished || outcome.ShardsDelivered + outcome.ShardsDiscarded > 0, token);
            return code;
        }, ct));
        return command;
    }
}
