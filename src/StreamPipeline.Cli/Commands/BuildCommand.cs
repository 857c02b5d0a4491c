using System.CommandLine;
using StreamPipeline.Pipeline.Telemetry;
using StreamPipeline.Application.Building;
using StreamPipeline.Cli.Observability;
using StreamPipeline.Cli.Presentation;
using StreamPipeline.Pipeline.Specs;
using StreamPipeline.Pipeline.Streaming;

namespace StreamPipeline.Cli.Commands;

/// <summary><c>stream-pipeline build</c>: the streaming, resumable construction of one of the paper's datasets.</summary>
public static class BuildCommand
{
    public static Command Create()
    {
        var jobDir = new Argument<string>("JOBDIR") { Description = "Job directory: created on first run; an existing one is resumed (same spec) or refused (different spec)." };
        var spec = new Option<string?>("--spec") { Description = "Job spec file (HOCON, see config/jobs/). Flags override it. Default on resume: JOBDIR/job.conf." };
        var construction = new Option<string?>("--construction") { Description = "det | rand | robust | nonrobust (the paper's D_det, D_rand, D_R, D_NR)." };
        construction.AcceptOnlyFromAmong([.. Names.Construction.All]);
        var model = new Option<string?>("--model") { Description = "Classifier checkpoint (standard for det/rand/nonrobust, robust for robust)." };
        var data = new Option<string?>("--data") { Description = "Source dataset reference, e.g. fashion-mnist:train." };
        var limit = CommonOptions.Limit();
        var batch = new Option<int?>("--batch-size") { Description = "Examples per device batch (default 128; changes no label or target, pixels only in the last float bits)." };
        var shard = new Option<int?>("--shard-size") { Description = "Examples per shard file, the unit of commit and resume (default 1024)." };
        var devices = CommonOptions.DevicesOrSpec("auto | cpu | cuda:0,cuda:1 | cpu,cpu (one worker per entry; default auto).");
        var norm = new Option<string?>("--norm") { Description = "l2 | linf | l2-unbounded (default: the dataset's preset for the construction)." };
        norm.AcceptOnlyFromAmong([.. Names.Norm.All]);
        var eps = new Option<double?>("--eps") { Description = "Radius of the eps-ball (det/rand)." };
        var stepSize = new Option<double?>("--step-size") { Description = "PGD step size." };
        var steps = new Option<int?>("--steps") { Description = "PGD iterations." };
        var seed = new Option<long?>("--seed") { Description = "Seed of every per-example random choice (default 0)." };
        var startMode = new Option<string?>("--start-mode") { Description = "robust/nonrobust start point: other-image (default) or noise." };
        startMode.AcceptOnlyFromAmong([.. Names.StartMode.All]);
        var dataRoot = CommonOptions.DataRoot();
        var threads = CommonOptions.Threads();
        var serve = new Option<bool>("--serve") { Description = "Do not build here: coordinate the job for cluster workers (stream-pipeline worker --join HOST:PORT) until every shard is committed." };
        var cluster = new ClusterOptions(defaultPort: 4053);
        var metrics = Telemetry.ExporterOption();
        var interval = Telemetry.IntervalOption();
        var json = CommonOptions.Json();
        var quiet = CommonOptions.Quiet();

        var command = new Command("build", "Build a constructed dataset (D_det, D_rand, D_R, D_NR) as Parquet shards; kill it at any time and run it again to resume.")
        {
            jobDir, spec, construction, model, data, limit, batch, shard, devices, norm, eps, stepSize, steps, seed, startMode,
            dataRoot, threads, metrics, interval, json, quiet, serve,
        };
        cluster.AddTo(command);
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async token =>
        {
            var torchThreads = CommonOptions.Threads(parse.GetValue(threads));
            var overrides = new JobSpecOverrides
            {
                Construction = parse.GetValue(construction) is { } c ? Names.Construction.Parse(c) : null,
                Model = parse.GetValue(model),
                Data = parse.GetValue(data),
                Limit = parse.GetValue(limit),
                BatchSize = parse.GetValue(batch),
                ShardSize = parse.GetValue(shard),
                Devices = parse.GetValue(devices) is { } d ? d.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : null,
                Norm = parse.GetValue(norm) is { } n ? Names.Norm.Parse(n) : null,
                Eps = parse.GetValue(eps),
                StepSize = parse.GetValue(stepSize),
                Steps = parse.GetValue(steps),
                Seed = parse.GetValue(seed),
                StartMode = parse.GetValue(startMode) is { } m ? Names.StartMode.Parse(m) : null,
            };
            var resolved = JobSpecLoader.ForBuild(parse.GetValue(jobDir)!, parse.GetValue(spec), overrides);
            if (parse.GetValue(serve))
            {
                var akka = cluster.Config(parse);
                var endpoint = cluster.Resolve(parse, akka);
                using var session = Telemetry.Create(parse.GetValue(metrics)!, parse.GetValue(interval));
                var served = await LiveRuns.ServeAsync(new ServeRequest(resolved, parse.GetValue(jobDir)!, parse.GetValue(dataRoot), endpoint),
                    akka, token);
                return served.Complete ? ExitCodes.Success : ExitCodes.JobFailed;
            }
            // Only a build that runs devices loads libtorch; the coordinator above never does.
            if (torchThreads is { } threadCount) TorchSharp.torch.set_num_threads(threadCount);
            var result = await RunAsync(parse.GetValue(metrics)!, parse.GetValue(interval),
                new BuildRequest(resolved, parse.GetValue(jobDir)!, parse.GetValue(dataRoot)), Terminal.Choose(parse.GetValue(quiet)), token);
            if (parse.GetValue(json))
                Console.WriteLine(BuildSummary.ToJson(result).ToJsonString());
            return result.Complete ? ExitCodes.Success : ExitCodes.JobFailed;
        }, ct));
        return command;
    }

    private static async Task<BuildResult> RunAsync(MetricsTarget metrics, double interval, BuildRequest request, DisplayMode display, CancellationToken ct)
    {
        // Disposed (flushed) before --json prints, so a console exporter's last block is out before the result.
        using var session = Telemetry.Create(metrics, interval);
        using var instruments = new PipelineMetrics();
        try
        {
            return await LiveRuns.BuildAsync(request with { Metrics = instruments }, "build", display, ct);
        }
        finally
        {
            session?.AwaitLastScrape(instruments, ct);
        }
    }
}
