using Akka.Configuration;
using StreamPipeline.Configuration;

namespace StreamPipeline.Pipeline.Specs;

/// <summary>
/// Reads a job spec: a HOCON file (or text) over the embedded defaults (config/jobs/defaults.conf), then command-line
/// overrides, then one validation, through the one strict loader (<see cref="SpecConfig"/>). The only maker of a
/// <see cref="JobSpec"/>. Errors are <see cref="ArgumentException"/>s of one line naming the source.
/// </summary>
public static class JobSpecLoader
{
    private const string Kind = "job spec";

    /// <summary>The settings documented in defaults.conf without a default (the user must give them).</summary>
    private static readonly string[] RequiredPaths = ["construction", "model", "data"];

    /// <summary>The documented defaults (config/jobs/defaults.conf, embedded).</summary>
    public static Config Defaults => EmbeddedDefaults.Job;

    /// <summary>Loads <paramref name="specFile"/> (or only the defaults when null) and applies the overrides.</summary>
    public static JobSpec Load(string? specFile, JobSpecOverrides? overrides = null) =>
        specFile is null
            ? Build(SpecConfig.Over(Config.Empty, Defaults, "(flags)", Kind, RequiredPaths), overrides)
            : Build(SpecConfig.Load(specFile, Defaults, Kind, RequiredPaths), overrides);

    /// <summary>Parses HOCON text; <paramref name="source"/> names it in error messages.</summary>
    public static JobSpec Parse(string hocon, JobSpecOverrides? overrides = null, string source = "(text)") =>
        Build(SpecConfig.Over(SpecConfig.ParseText(hocon, source, Kind), Defaults, source, Kind, RequiredPaths), overrides);

    /// <summary>
    /// <paramref name="spec"/> with <paramref name="overrides"/> applied: its job.conf text read back with those flags,
    /// so the result passes the same checks and equals loading that job.conf with the same flags. An override that
    /// makes the spec invalid is refused with the loader's one line, naming <paramref name="source"/>.
    /// </summary>
    public static JobSpec Change(JobSpec spec, JobSpecOverrides overrides, string source = "(flags)")
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(overrides);
        return Parse(spec.ToHocon(), overrides, source);
    }

    /// <summary>
    /// The spec of <c>build JOBDIR</c>: <paramref name="specFile"/> when given, else the job's own job.conf on resume,
    /// else the flags alone — and then, for a new job, the attack settings the flags leave out come from the dataset's
    /// preset (config/presets/) rather than the generic defaults.
    /// </summary>
    public static JobSpec ForBuild(string jobDir, string? specFile, JobSpecOverrides overrides)
    {
        if (specFile is not null)
            return Load(specFile, overrides);
        var existing = JobLayout.SpecPath(jobDir);
        if (File.Exists(existing))
            return Load(existing, overrides);
        return Load(null, WithPreset(overrides));
    }

    /// <summary>Fills the attack settings the overrides leave out from the preset of their dataset and construction, if any.</summary>
    public static JobSpecOverrides WithPreset(JobSpecOverrides overrides)
    {
        if (overrides.Construction is not { } kind || overrides.Data is not { } data || AttackPresets.ForReference(data, kind) is not { } preset)
            return overrides;
        return overrides with
        {
            Norm = overrides.Norm ?? preset.Norm,
            Eps = overrides.Eps ?? (preset.Norm == ThreatModel.L2Unbounded ? null : preset.Eps),
            StepSize = overrides.StepSize ?? preset.StepSize,
            Steps = overrides.Steps ?? preset.Steps,
            RandomStart = overrides.RandomStart ?? preset.RandomStart,
        };
    }

    private static JobSpec Build(SpecConfig config, JobSpecOverrides? overrides)
    {
        var o = overrides ?? JobSpecOverrides.None;
        var attack = new AttackSettings(
            o.Norm ?? config.Get("attack.norm", Names.Norm.Parse),
            o.Eps ?? config.Double("attack.eps"),
            o.StepSize ?? config.Double("attack.step-size"),
            o.Steps ?? config.Int("attack.steps"),
            o.RandomStart ?? config.Bool("attack.random-start"),
            KeepBest: true,
            Targeted: true);
        var faults = o.Faults ?? new FaultInjection(
            config.Int("faults.fail-every-nth-batch"),
            config.Int("faults.oom-above-batch-size"),
            config.IntList("faults.failing-devices"));
        // Every value is read (and a malformed one refused) before the spec checks them together.
        var construction = o.Construction ?? config.Required("construction", $"--construction {Names.Construction.Choices}", Names.Construction.Parse);
        var model = o.Model ?? config.Required("model", "--model CKPT", s => s);
        var data = o.Data ?? config.Required("data", "--data REF", s => s);
        var limit = o.AllExamples ? null : o.Limit ?? config.CountOrAll("limit");
        var batchSize = o.BatchSize ?? config.Int("batch-size");
        var shardSize = o.ShardSize ?? config.Int("shard-size");
        var devices = o.Devices ?? config.List("devices");
        var seed = o.Seed ?? config.Long("seed");
        var startMode = o.StartMode ?? config.Get("start-mode", Names.StartMode.Parse);
        var maxRetries = o.MaxRetries ?? config.Int("max-retries");
        var maxBatchesAhead = o.MaxBatchesAhead ?? config.Int("max-batches-ahead");
        try
        {
            return new JobSpec(construction, model, data, limit, batchSize, shardSize, devices, attack, seed, startMode, maxRetries,
                maxBatchesAhead, faults);
        }
        catch (ArgumentException e)
        {
            // Name the source once, whichever check failed.
            var message = e.Message.StartsWith("job spec: ", StringComparison.Ordinal) ? e.Message["job spec: ".Length..] : e.Message;
            throw config.Error(message);
        }
    }
}
