using Akka.Configuration;

namespace StreamPipeline.Configuration;

/// <summary>
/// The documented default files, embedded in this assembly so the program and the docs cannot drift apart: each
/// default lives in exactly one file under config/ or hocon/, and code reads it from here.
/// </summary>
public static class EmbeddedDefaults
{
    private static readonly Lazy<Config> JobConfig = new(() => Parse("StreamPipeline.Configuration.job-defaults.conf"));
    private static readonly Lazy<Config> ExperimentConfig = new(() => Parse("StreamPipeline.Configuration.experiment-defaults.conf"));
    private static readonly Lazy<Config> UntargetedConfig = new(() => Parse("StreamPipeline.Configuration.untargeted-defaults.conf"));
    private static readonly Lazy<Config> AkkaConfig = new(() => Parse("StreamPipeline.Configuration.pipeline.conf"));

    /// <summary>config/jobs/defaults.conf: every job spec setting.</summary>
    public static Config Job => JobConfig.Value;

    /// <summary>config/experiments/defaults.conf: every experiment spec setting.</summary>
    public static Config Experiment => ExperimentConfig.Value;

    /// <summary>config/attacks/untargeted.conf: untargeted PGD of train --adversarial and evaluate --attack.</summary>
    public static Config Untargeted => UntargetedConfig.Value;

    /// <summary>hocon/pipeline.conf: the actor system's settings.</summary>
    public static Config Akka => AkkaConfig.Value;

    /// <summary>config/presets/&lt;dataset&gt;.conf, or null when the dataset has no presets.</summary>
    public static string? PresetText(string dataset) =>
        dataset.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') ? TryRead($"StreamPipeline.Configuration.presets.{dataset}.conf") : null;

    /// <summary>The datasets with a presets file.</summary>
    public static IReadOnlyList<string> PresetDatasets { get; } = typeof(EmbeddedDefaults).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith("StreamPipeline.Configuration.presets.", StringComparison.Ordinal))
        .Select(n => n["StreamPipeline.Configuration.presets.".Length..^".conf".Length])
        .Order(StringComparer.Ordinal)
        .ToArray();

    public static string Read(string logicalName) =>
        TryRead(logicalName) ?? throw new InvalidOperationException($"embedded resource {logicalName} is missing from the build");

    /// <summary>An embedded default file of another assembly of the program (e.g. hocon/cluster.conf in StreamPipeline.Cluster).</summary>
    public static string ReadFrom(System.Reflection.Assembly assembly, string logicalName)
    {
        using var stream = assembly.GetManifestResourceStream(logicalName)
                           ?? throw new InvalidOperationException($"embedded resource {logicalName} is missing from {assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static string? TryRead(string logicalName)
    {
        using var stream = typeof(EmbeddedDefaults).Assembly.GetManifestResourceStream(logicalName);
        if (stream is null)
            return null;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static Config Parse(string logicalName) => SpecConfig.ParseText(Read(logicalName), logicalName, "defaults");
}
