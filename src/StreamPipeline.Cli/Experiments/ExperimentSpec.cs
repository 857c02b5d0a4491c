using Akka.Configuration;
using StreamPipeline.Attacks;
using StreamPipeline.Pipeline.Configuration;
using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Cli.Experiments;

/// <summary>An experiment spec (config/experiments/*.conf), resolved and validated once; <c>--quick</c> overlays its <c>quick</c> block.</summary>
public sealed record ExperimentSpec(
    string Name,
    string TrainData,
    string TestData,
    string Architecture,
    string Devices,
    int Seed,
    int BatchSize,
    long? TrainImages,
    long? TestImages,
    ExperimentSpec.TrainStep Standard,
    ExperimentSpec.TrainStep Robust,
    AttackSettings RobustAdversary,
    int ShardSize,
    IReadOnlyDictionary<ConstructionKind, ExperimentSpec.BuildStep> Builds,
    ExperimentSpec.TrainStep Retrain,
    AttackSettings EvaluationAttack,
    bool Quick)
{
    public sealed record TrainStep(int Epochs, double LearningRate);

    public sealed record BuildStep(long Images, ThreatModel Norm, double Eps, double StepSize, int Steps);

    public static ExperimentSpec Load(string path, bool quick)
    {
        var c = Read(path, depth: 0);
        if (quick && c.HasPath("quick")) c = c.GetConfig("quick").WithFallback(c);
        try
        {
            return Parse(c, quick).Validated(path);
        }
        catch (Exception e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            // A value of the wrong type or form (a number that is not one, an unknown norm) still names the file.
            throw new FormatException($"{path}: {e.Message}");
        }
    }

    /// <summary>The file's <c>experiment</c> block, falling back to the spec named by its <c>base</c> key (relative to the file).</summary>
    private static Config Read(string path, int depth)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"experiment spec not found: {path}");
        if (depth > 8) throw new FormatException($"{path}: 'base' specs nest too deep");
        var root = SpecHocon.ParseFile(path);
        if (!root.HasPath("experiment")) throw new FormatException($"{path}: no 'experiment' block");
        var c = root.GetConfig("experiment");
        if (!c.HasPath("base")) return c;
        var basePath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, c.GetString("base"));
        return c.WithFallback(Read(basePath, depth + 1));
    }

    private static ExperimentSpec Parse(Config c, bool quick)
    {
        var builds = new Dictionary<ConstructionKind, BuildStep>();
        var defaultImages = Count(c, "build.images") ?? 0;
        foreach (var kind in Enum.GetValues<ConstructionKind>())
        {
            var path = "build." + SpecNames.Of(kind);
            builds[kind] = new BuildStep(
                Count(c, path + ".images") ?? defaultImages,
                SpecNames.ParseNorm(c.GetString(path + ".norm", "l2")),
                c.GetDouble(path + ".eps", 0),
                c.GetDouble(path + ".step-size", 0),
                c.GetInt(path + ".steps", 0));
        }
        return new ExperimentSpec(
            c.GetString("name", "experiment"),
            c.GetString("train-data", "fashion-mnist:train"),
            c.GetString("test-data", "fashion-mnist:test"),
            c.GetString("model", "small-cnn"),
            c.GetString("devices", "auto"),
            c.GetInt("seed", 0),
            c.GetInt("batch-size", 128),
            Count(c, "train-images"),
            Count(c, "test-images"),
            Train(c, "standard"),
            Train(c, "robust"),
            Attack(c, "robust.adversarial", targeted: false),
            c.GetInt("build.shard-size", 1000),
            builds,
            Train(c, "retrain"),
            Attack(c, "evaluate.attack", targeted: false) with { KeepBest = true },
            quick);
    }

    private static TrainStep Train(Config c, string path) =>
        new(c.GetInt(path + ".epochs", 3), c.GetDouble(path + ".learning-rate", 1e-3));

    private static AttackSettings Attack(Config c, string path, bool targeted) =>
        new(AttackPresets.ParseNorm(c.GetString(path + ".norm", "l2")), (float)c.GetDouble(path + ".eps", 1.5),
            (float)c.GetDouble(path + ".step-size", 0.1), c.GetInt(path + ".steps", 10), RandomStart: true, KeepBest: false, Targeted: targeted);

    /// <summary>A positive count, or null for "all" / absent.</summary>
    private static long? Count(Config c, string path)
    {
        if (!c.HasPath(path)) return null;
        var text = c.GetString(path);
        return text == "all" ? null : long.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
    }

    private ExperimentSpec Validated(string path)
    {
        void Check(bool ok, string message)
        {
            if (!ok) throw new ArgumentException($"{path}: {message}");
        }
        Check(BatchSize > 0, $"batch-size must be positive, got {BatchSize}");
        Check(TrainImages is null or > 0, "train-images must be positive or all");
        Check(TestImages is null or > 0, "test-images must be positive or all");
        foreach (var (name, step) in new[] { ("standard", Standard), ("robust", Robust), ("retrain", Retrain) })
            Check(step.Epochs > 0 && step.LearningRate > 0, $"{name}: epochs and learning-rate must be positive");
        foreach (var (kind, b) in Builds)
            Check(b.Images > 0 && b.Steps > 0 && b.StepSize > 0 && (b.Norm == ThreatModel.L2Unbounded || b.Eps > 0),
                $"build.{SpecNames.Of(kind)}: images, steps, step-size (and eps for l2/linf) must be positive");
        RobustAdversary.Validate();
        EvaluationAttack.Validate();
        return this;
    }
}
