using System.CommandLine;
using System.Text.Json;
using StreamPipeline.Attacks;
using StreamPipeline.Data;
using StreamPipeline.Data.Parquet;
using StreamPipeline.Models;
using StreamPipeline.Pipeline;
using StreamPipeline.Pipeline.Construction;
using StreamPipeline.Pipeline.Jobs;
using StreamPipeline.Pipeline.Sinks;
using StreamPipeline.Pipeline.Specs;
using StreamPipeline.Pipeline.Streaming;
using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Cli.Commands;

/// <summary><c>stream-pipeline build</c>: the streaming, resumable construction of one of the paper's datasets.</summary>
public static class BuildCommand
{
    public static Command Create()
    {
        var jobDir = new Argument<string>("JOBDIR") { Description = "Job directory: created on first run; an existing one is resumed (same spec) or refused (different spec)." };
        var spec = new Option<string?>("--spec") { Description = "Job spec file (HOCON, see config/jobs/). Flags override it. Default on resume: JOBDIR/job.conf." };
        var construction = new Option<string?>("--construction") { Description = "det | rand | robust | nonrobust (the paper's D_det, D_rand, D_R, D_NR)." };
        construction.AcceptOnlyFromAmong("det", "rand", "robust", "nonrobust");
        var model = new Option<string?>("--model") { Description = "Classifier checkpoint (standard for det/rand/nonrobust, robust for robust)." };
        var data = new Option<string?>("--data") { Description = "Source dataset reference, e.g. fashion-mnist:train." };
        var limit = CommonOptions.Limit();
        var batch = new Option<int?>("--batch-size") { Description = "Examples per device batch (default 128; changes no label or target, pixels only in the last float bits)." };
        var shard = new Option<int?>("--shard-size") { Description = "Examples per shard file, the unit of commit and resume (default 1024)." };
        var devices = new Option<string?>("--devices") { Description = "auto | cpu | cuda:0,cuda:1 | cpu,cpu (one worker per entry; default auto)." };
        var norm = new Option<string?>("--norm") { Description = "l2 | linf | l2-unbounded (default: the dataset's preset for the construction)." };
        norm.AcceptOnlyFromAmong("l2", "linf", "l2-unbounded");
        var eps = new Option<double?>("--eps") { Description = "Radius of the eps-ball (det/rand)." };
        var stepSize = new Option<double?>("--step-size") { Description = "PGD step size." };
        var steps = new Option<int?>("--steps") { Description = "PGD iterations." };
        var seed = new Option<long?>("--seed") { Description = "Seed of every per-example random choice (default 0)." };
        var startMode = new Option<string?>("--start-mode") { Description = "robust/nonrobust start point: other-image (default) or noise." };
        startMode.AcceptOnlyFromAmong("other-image", "noise");
        var dataRoot = CommonOptions.DataRoot();
        var threads = CommonOptions.Threads();
        var metrics = Telemetry.ExporterOption("console");
        var interval = Telemetry.IntervalOption();

        var command = new Command("build", "Build a constructed dataset (D_det, D_rand, D_R, D_NR) as Parquet shards; kill it at any time and run it again to resume.")
        {
            jobDir, spec, construction, model, data, limit, batch, shard, devices, norm, eps, stepSize, steps, seed, startMode,
            dataRoot, threads, metrics, interval,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async token =>
        {
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            var overrides = new JobSpecOverrides
            {
                Construction = parse.GetValue(construction) is { } c ? SpecNames.ParseConstruction(c) : null,
                Model = parse.GetValue(model),
                Data = parse.GetValue(data),
                Limit = parse.GetValue(limit),
                BatchSize = parse.GetValue(batch),
                ShardSize = parse.GetValue(shard),
                Devices = parse.GetValue(devices) is { } d ? d.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : null,
                Norm = parse.GetValue(norm) is { } n ? SpecNames.ParseNorm(n) : null,
                Eps = parse.GetValue(eps),
                StepSize = parse.GetValue(stepSize),
                Steps = parse.GetValue(steps),
                Seed = parse.GetValue(seed),
                StartMode = parse.GetValue(startMode) is { } m ? SpecNames.ParseStartMode(m) : null,
            };
            var resolved = ResolveSpec(parse.GetValue(jobDir)!, parse.GetValue(spec), overrides);
            using var provider = Telemetry.Create(parse.GetValue(metrics)!, parse.GetValue(interval));
            var result = await RunAsync(resolved, parse.GetValue(jobDir)!, new BuildOptions(parse.GetValue(dataRoot), "build"), token);
            return result.Complete ? ExitCodes.Success : ExitCodes.JobFailed;
        }, ct));
        return command;
    }

    /// <summary>Where the data root is and what the progress view is called.</summary>
    public sealed record BuildOptions(string? DataRoot, string Label, bool? Interactive = null, PipelineMetrics? Metrics = null);

    /// <summary>
    /// The spec of a build: --spec FILE, else JOBDIR/job.conf on resume, else flags alone; for a new job given by flags,
    /// attack settings left out come from the dataset's preset for the construction (config/presets/).
    /// </summary>
    public static JobSpec ResolveSpec(string jobDir, string? specFile, JobSpecOverrides overrides)
    {
        if (specFile is not null && !File.Exists(specFile)) throw new FileNotFoundException($"spec file not found: {specFile}");
        var existing = Path.Combine(jobDir, JobDirectory.SpecFileName);
        if (specFile is null && File.Exists(existing)) return JobSpecLoader.Load(existing, overrides).Validated();
        if (specFile is null) overrides = WithPreset(overrides);
        return JobSpecLoader.Load(specFile, overrides).Validated();
    }

    private static JobSpecOverrides WithPreset(JobSpecOverrides overrides)
    {
        if (overrides.Construction is not { } kind || overrides.Data is not { } data) return overrides;
        var dataset = data.Split(':')[0];
        if (!AttackPresets.Datasets.Contains(dataset)) return overrides;
        var preset = AttackPresets.Defaults(dataset, kind);
        return overrides with
        {
            Norm = overrides.Norm ?? preset.Norm,
            // (double)(decimal) keeps the preset's decimal text (0.3, not 0.30000001192092896) in job.conf and the hash.
            Eps = overrides.Eps ?? (preset.Norm == ThreatModel.L2Unbounded ? null : (double)(decimal)preset.Eps),
            StepSize = overrides.StepSize ?? (double)(decimal)preset.StepSize,
            Steps = overrides.Steps ?? preset.Steps,
        };
    }

    /// <summary>Runs (or resumes) the build of <paramref name="spec"/> into <paramref name="jobDir"/>.</summary>
    public static async Task<BuildResult> RunAsync(JobSpec spec, string jobDir, BuildOptions options, CancellationToken ct)
    {
        if (!File.Exists(spec.Model)) throw new FileNotFoundException($"model checkpoint not found: {spec.Model}");
        var info = Checkpoint.ReadInfo(spec.Model);
        var modelSha = Checkpoint.Sha256(spec.Model);
        if (!string.Equals(modelSha, info.WeightsSha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{spec.Model}: weights do not match their sidecar (sha256 {modelSha}, sidecar says {info.WeightsSha256})");
        // Start images are drawn from the whole source dataset; the limit only decides which examples are built.
        using var data = DatasetReference.Open(spec.Data, new DatasetOptions(options.DataRoot));
        Checkpoint.CheckCompatible(info, data.Shape, data.Classes);

        var devices = ResolveDevices(spec.Devices);
        spec = spec with { Devices = devices };
        var cpuWorkers = devices.Count(d => d == "cpu");
        int? threads = cpuWorkers > 1 ? Math.Max(1, Environment.ProcessorCount / cpuWorkers) : null;

        var settings = spec.ToConstructionSettings();
        var metadata = new ConstructedDatasetMetadata(
            // Only the fields that decide the rows: shards of a resumed run on other devices (or with faults) stay byte-identical.
            data.Shape, ConstructedDatasetSchema.DefaultClassNames(data.Classes), spec.OutputCanonicalJson(), spec.SpecHash(modelSha), modelSha,
            JsonSerializer.Serialize(spec.ToJsonObject()["attack"])).ToDictionary();

        using var system = PipelineSystem.Create(overrides: StderrLogger.Config);
        using var runner = new JobRunner(system, options.Metrics);
        using var view = new BuildView(options.Label, options.Interactive);
        var job = new BuildJob(spec, jobDir, data, new ModelPerturberFactory(spec.Model, settings, threads), new ParquetShardSink(data.Shape, metadata), modelSha);
        Console.Error.WriteLine($"{options.Label}: {SpecNames.Of(spec.Construction)} from {data.Reference} with {spec.Model} on {string.Join(",", devices)} " +
                                $"({SpecNames.Of(spec.Attack.Norm)} eps {spec.Attack.Eps} step {spec.Attack.StepSize} x {spec.Attack.Steps}) -> {jobDir}");
        var result = await runner.RunAsync(job, view, ct);
        view.Finish(null);
        var s = result.Stats;
        if (result.Complete && result.ShardsCommitted == 0)
        {
            Console.Error.WriteLine($"{options.Label}: already complete ({result.ShardsTotal} shards, {result.RowsTotal:N0} rows); nothing to do");
            return result;
        }
        Console.Error.WriteLine(
            $"{options.Label}: {(result.Complete ? "complete" : "incomplete")}: {result.RowsWritten:N0} rows written this run in {result.Elapsed.TotalSeconds:F1} s " +
            $"({result.RowsPerSecond:N1} img/s), {result.ShardsSkipped} shards already done, attack success {s.AttackSuccessRate:P1}");
        return result;
    }

    /// <summary><c>auto</c> becomes every CUDA device, or cpu (with one notice line); other entries are checked as they are.</summary>
    public static IReadOnlyList<string> ResolveDevices(IReadOnlyList<string> devices)
    {
        var resolved = devices.Count == 1 && devices[0] == "auto" ? DeviceSelector.ParseList("auto") : devices;
        foreach (var device in resolved.Distinct()) DeviceSelector.Select(device, notice => Console.Error.WriteLine(notice));
        return resolved;
    }
}
