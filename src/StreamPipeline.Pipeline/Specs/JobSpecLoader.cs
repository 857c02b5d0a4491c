using System.Globalization;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using StreamPipeline.Pipeline.Configuration;

namespace StreamPipeline.Pipeline.Specs;

/// <summary>
/// Reads a job spec: a HOCON file (or text) over the embedded defaults (config/jobs/defaults.conf), then
/// command-line overrides, then one validation. Errors are <see cref="ArgumentException"/>s of one line.
/// </summary>
public static class JobSpecLoader
{
    private static readonly Lazy<Config> EmbeddedDefaults = new(() =>
        ConfigurationFactory.ParseString(EmbeddedText.Read("StreamPipeline.Pipeline.job-defaults.conf")));

    private static readonly HashSet<string> KnownPaths = new(StringComparer.Ordinal)
    {
        "construction", "model", "data", "limit", "batch-size", "shard-size", "devices", "seed", "start-mode",
        "max-retries", "max-batches-ahead",
        "attack", "attack.norm", "attack.eps", "attack.step-size", "attack.steps", "attack.random-start",
        "faults", "faults.fail-every-nth-batch", "faults.oom-above-batch-size", "faults.failing-devices",
    };

    /// <summary>The documented defaults (config/jobs/defaults.conf, embedded).</summary>
    public static Config Defaults => EmbeddedDefaults.Value;

    /// <summary>Loads <paramref name="specFile"/> (or only the defaults when null) and applies the overrides.</summary>
    public static JobSpec Load(string? specFile, JobSpecOverrides? overrides = null)
    {
        if (specFile is null)
            return Parse("", overrides, "(defaults)");
        if (!File.Exists(specFile))
            throw new ArgumentException($"job spec {specFile}: file not found");
        return Parse(SpecHocon.ReadFile(specFile), overrides, specFile);
    }

    /// <summary>Parses HOCON text; <paramref name="source"/> names it in error messages.</summary>
    public static JobSpec Parse(string hocon, JobSpecOverrides? overrides = null, string source = "(text)")
    {
        Config user;
        try
        {
            user = string.IsNullOrWhiteSpace(hocon) ? Config.Empty : SpecHocon.Parse(hocon, source);
        }
        catch (Exception e) when (e is not ArgumentException)
        {
            throw new ArgumentException($"job spec {source}: not valid HOCON: {FirstLine(e.Message)}", e);
        }
        if (!user.IsEmpty)
            RejectUnknownKeys(user.Root.GetObject(), "", source);

        var config = user.WithFallback(Defaults);
        var o = overrides ?? JobSpecOverrides.None;
        try
        {
            var attack = new AttackSpec(
                o.Norm ?? Read(config, "attack.norm", SpecNames.ParseNorm),
                o.Eps ?? Read(config, "attack.eps", ParseDouble),
                o.StepSize ?? Read(config, "attack.step-size", ParseDouble),
                o.Steps ?? Read(config, "attack.steps", ParseInt),
                o.RandomStart ?? Read(config, "attack.random-start", ParseBool));
            var faults = o.Faults ?? new FaultInjection(
                Read(config, "faults.fail-every-nth-batch", ParseInt),
                Read(config, "faults.oom-above-batch-size", ParseInt),
                ReadList(config, "faults.failing-devices").Select(t => ParseValue("faults.failing-devices", t, ParseInt)).ToArray());
            var spec = new JobSpec
            {
                Construction = o.Construction ?? ReadRequired(config, "construction", "--construction det|rand|robust|nonrobust", SpecNames.ParseConstruction),
                Model = o.Model ?? ReadRequired(config, "model", "--model CKPT", s => s),
                Data = o.Data ?? ReadRequired(config, "data", "--data REF", s => s),
                Limit = o.AllExamples ? null : o.Limit ?? Read(config, "limit", ParseLimit),
                BatchSize = o.BatchSize ?? Read(config, "batch-size", ParseInt),
                ShardSize = o.ShardSize ?? Read(config, "shard-size", ParseInt),
                Devices = o.Devices?.ToArray() ?? ReadList(config, "devices"),
                Attack = attack,
                Seed = o.Seed ?? Read(config, "seed", ParseLong),
                StartMode = o.StartMode ?? Read(config, "start-mode", SpecNames.ParseStartMode),
                MaxRetries = o.MaxRetries ?? Read(config, "max-retries", ParseInt),
                MaxBatchesAhead = o.MaxBatchesAhead ?? Read(config, "max-batches-ahead", ParseInt),
                Faults = faults,
            };
            return spec.Validated();
        }
        catch (ArgumentException e)
        {
            // Name the source once, whichever check failed.
            var message = e.Message.StartsWith("job spec: ", StringComparison.Ordinal) ? e.Message["job spec: ".Length..] : e.Message;
            throw new ArgumentException($"job spec {source}: {message}", e);
        }
    }

    private static void RejectUnknownKeys(HoconObject node, string prefix, string source)
    {
        foreach (var (key, value) in node.Items)
        {
            var path = prefix + key;
            if (!KnownPaths.Contains(path))
                throw new ArgumentException($"job spec {source}: unknown setting '{path}' (the settings are listed in config/jobs/defaults.conf)");
            if (value.IsObject())
                RejectUnknownKeys(value.GetObject(), path + ".", source);
        }
    }

    private static T Read<T>(Config config, string path, Func<string, T> parse)
    {
        var text = config.GetString(path, null)
                   ?? throw new ArgumentException($"{path} is missing (and has no default)");
        return ParseValue(path, text, parse);
    }

    private static T ReadRequired<T>(Config config, string path, string flag, Func<string, T> parse)
    {
        var text = config.HasPath(path) ? config.GetString(path, null) : null;
        if (string.IsNullOrWhiteSpace(text))
            throw new ArgumentException($"{path} is required: set it in the spec file or with {flag}");
        return ParseValue(path, text, parse);
    }

    private static T ParseValue<T>(string path, string text, Func<string, T> parse)
    {
        try
        {
            return parse(text);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException(e.Message.Contains(path, StringComparison.Ordinal) ? e.Message : $"{path} = '{text}': {e.Message}", e);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new ArgumentException($"{path} = '{text}' is not a valid {typeof(T).Name.ToLowerInvariant()} value", e);
        }
    }

    private static string[] ReadList(Config config, string path)
    {
        var value = config.GetValue(path);
        if (value is null)
            return [];
        // A plain string is accepted as a comma-separated list, as on the command line.
        if (value.IsString())
            return value.GetString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        try
        {
            return config.GetStringList(path).ToArray();
        }
        catch (Exception e) when (e is not ArgumentException)
        {
            throw new ArgumentException($"{path} must be a list, e.g. [\"cpu\"]", e);
        }
    }

    private static int ParseInt(string text) => int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static long ParseLong(string text) => long.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static double ParseDouble(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static bool ParseBool(string text) => text.Trim().ToLowerInvariant() switch
    {
        "true" or "on" or "yes" => true,
        "false" or "off" or "no" => false,
        _ => throw new FormatException(),
    };

    private static long? ParseLimit(string text) =>
        text.Trim().Equals("all", StringComparison.OrdinalIgnoreCase) ? null : ParseLong(text);

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
