using Akka.Configuration;
using StreamPipeline.Application;
using StreamPipeline.Attacks.Theory;
using StreamPipeline.Data;
using StreamPipeline.Models;
using StreamPipeline.Configuration;
using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Experiment;

/// <summary>
/// An experiment spec (config/experiments/*.conf), read by the one strict loader over config/experiments/defaults.conf
/// and resolved once: each build is a full job spec (the train-data's preset and the job defaults fill what the spec
/// leaves out), each attack a full settings record. <c>--quick</c> overlays the spec's <c>quick</c> block.
/// </summary>
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
    IReadOnlyDictionary<ConstructionKind, ExperimentSpec.BuildStep> Builds,
    ExperimentSpec.TrainStep Retrain,
    AttackSettings EvaluationAttack,
    ExperimentSpec.TransferStep Transfer,
    ExperimentSpec.RobustnessCurveStep RobustnessCurve,
    SectionFourSettings Theory,
    bool Quick)
{
    private const string Kind = "experiment spec";
    private const string Root = "experiment";

    /// <summary>Placeholder model paths of the resolved builds; the runner points them at its own checkpoints.</summary>
    public const string StandardModel = "standard.pt", RobustModel = "robust.pt";

    /// <summary>How a model is made: trained with these settings, or, when <see cref="Import"/> is set, imported from a PyTorch checkpoint.</summary>
    public sealed record TrainStep(int Epochs, double LearningRate, ImportedModel? Import = null);

    /// <summary>A source model taken from a PyTorch checkpoint (<c>import-model FILE --arch ARCHITECTURE</c>) instead of trained.</summary>
    public sealed record ImportedModel(string File, string Architecture);

    /// <summary>
    /// Figure 3: the architectures trained on D_det and (with <see cref="TargetSeed"/>, the standard recipe) on the
    /// original data as transfer targets; <see cref="TestImages"/> original test images are attacked on the source.
    /// </summary>
    public sealed record TransferStep(IReadOnlyList<string> Architectures, int TargetSeed, long? TestImages);

    /// <summary>Figure 2 (right): the radii of the robust-accuracy curve, on the first <see cref="TestImages"/> test images.</summary>
    public sealed record RobustnessCurveStep(IReadOnlyList<double> Eps, long? TestImages);

    /// <summary>One constructed dataset: the job spec it is built with (the model is set by the runner).</summary>
    public sealed record BuildStep(JobSpec Job)
    {
        /// <summary>The first N training images, or null for all.</summary>
        public long? Images => Job.Limit;
    }

    public static ExperimentSpec Load(string path, bool quick)
    {
        var known = KnownPaths();
        var user = Read(path, known, depth: 0).GetConfig(Root);
        if (quick && user.HasPath("quick"))
            user = user.GetConfig("quick").WithFallback(user);
        var inBlock = known.Where(p => p.StartsWith(Root + ".", StringComparison.Ordinal)).Select(p => p[(Root.Length + 1)..]).ToArray();
        var c = SpecConfig.Over(user, EmbeddedDefaults.Experiment.GetConfig(Root), path, Kind, inBlock);
        return Parse(c, path, quick);
    }

    /// <summary>
    /// The keys an experiment spec may set: those of defaults.conf, the attack keys its blocks leave to other defaults,
    /// <c>base</c>, and any of them again inside <c>quick</c>.
    /// </summary>
    private static HashSet<string> KnownPaths()
    {
        var known = SpecConfig.KnownPaths(EmbeddedDefaults.Experiment);
        string[] attackKeys = ["norm", "eps", "step-size", "steps"];
        known.Add($"{Root}.base");
        known.Add($"{Root}.build.shard-size");
        foreach (var key in attackKeys.Skip(1))
        {
            known.Add($"{Root}.robust.adversarial.{key}");
            known.Add($"{Root}.evaluate.attack.{key}");
        }
        foreach (var kind in Names.Construction.All)
        {
            foreach (var key in attackKeys.Append("images"))
                known.Add($"{Root}.build.{kind}.{key}");
        }
        foreach (var path in known.Where(p => p.StartsWith(Root + ".", StringComparison.Ordinal) && !p.StartsWith($"{Root}.quick", StringComparison.Ordinal) && p != $"{Root}.base").ToArray())
            known.Add($"{Root}.quick.{path[(Root.Length + 1)..]}");
        return known;
    }

    /// <summary>The file's settings, each file of the <c>base</c> chain checked for unknown keys on its own, then merged.</summary>
    private static Config Read(string path, HashSet<string> known, int depth)
    {
        if (depth > 8) throw new ArgumentException($"{Kind} {path}: 'base' specs nest too deep (a loop?)");
        var file = SpecConfig.Load(path, Config.Empty, Kind, known).User;
        if (!file.HasPath(Root)) throw new ArgumentException($"{Kind} {path}: no '{Root}' block");
        if (!file.HasPath($"{Root}.base")) return file;
        if (file.GetValue($"{Root}.base") is not { } value || !value.IsString() || string.IsNullOrWhiteSpace(value.GetString()))
            throw new ArgumentException($"{Kind} {path}: base must name another experiment spec file");
        var basePath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, value.GetString());
        return file.WithFallback(Read(basePath, known, depth + 1));
    }

    private static ExperimentSpec Parse(SpecConfig c, string path, bool quick)
    {
        var trainData = c.String("train-data");
        var devices = c.String("devices");
        var batchSize = c.Int("batch-size");
        var seed = c.Int("seed");
        var builds = new Dictionary<ConstructionKind, BuildStep>();
        foreach (var kind in Enum.GetValues<ConstructionKind>())
        {
            var b = c.Section($"build.{Names.Construction.Of(kind)}");
            var overrides = new JobSpecOverrides
            {
                Construction = kind,
                Model = kind == ConstructionKind.Robust ? RobustModel : StandardModel,
                Data = trainData,
                Limit = b.Has("images") ? b.CountOrAll("images") : c.CountOrAll("build.images"),
                AllExamples = !(b.Has("images") ? b.CountOrAll("images") : c.CountOrAll("build.images")).HasValue,
                BatchSize = batchSize,
                ShardSize = c.Has("build.shard-size") ? c.Int("build.shard-size") : null,
                Devices = devices.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                Norm = b.Has("norm") ? b.Get("norm", Names.Norm.Parse) : null,
                Eps = b.Has("eps") ? b.Double("eps") : null,
                StepSize = b.Has("step-size") ? b.Double("step-size") : null,
                Steps = b.Has("steps") ? b.Int("steps") : null,
                Seed = seed,
            };
            try
            {
                builds[kind] = new BuildStep(JobSpecLoader.Load(null, JobSpecLoader.WithPreset(overrides)));
            }
            catch (ArgumentException e)
            {
                throw c.Error($"build.{Names.Construction.Of(kind)}: {e.Message}");
            }
        }
        var spec = new ExperimentSpec(
            c.String("name"),
            trainData,
            c.String("test-data"),
            c.String("model"),
            devices,
            seed,
            batchSize,
            c.CountOrAll("train-images"),
            c.CountOrAll("test-images"),
            Train(c, "standard", importable: true),
            Train(c, "robust", importable: true),
            Attack(c, "robust.adversarial", UntargetedPurpose.Train),
            builds,
            Train(c, "retrain"),
            Attack(c, "evaluate.attack", UntargetedPurpose.Evaluate),
            new TransferStep(c.List("transfer.architectures").Select(a => a.ToLowerInvariant()).ToArray(), c.Int("transfer.target-seed"),
                c.CountOrAll("transfer.test-images")),
            new RobustnessCurveStep(Doubles(c, "robustness-curve.eps"), c.CountOrAll("robustness-curve.test-images")),
            TheorySettings(c, seed),
            quick);
        return spec.Validated(c);
    }

    private static double[] Doubles(SpecConfig c, string path) =>
        c.List(path).Select(item => double.TryParse(item, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v)
            ? v : throw c.Error($"{path}: '{InputText.Show(item)}' is not a number")).ToArray();

    private static SectionFourSettings TheorySettings(SpecConfig c, int seed)
    {
        var theory = new SectionFourSettings(Doubles(c, "theory.eps"), c.Int("theory.samples"), c.Int("theory.test-samples"), seed,
            c.Int("theory.fit-steps"), c.Double("theory.learning-rate"), Doubles(c, "theory.inverse-lambdas"), Doubles(c, "theory.penalty-multiples"));
        try
        {
            return theory.Validated();
        }
        catch (ArgumentException e)
        {
            throw c.Error(e.Message);
        }
    }

    private static TrainStep Train(SpecConfig c, string path, bool importable = false)
    {
        var step = new TrainStep(c.Int(path + ".epochs"), c.Double(path + ".learning-rate"));
        if (!importable || c.String(path + ".import.file") is not { Length: > 0 } file)
            return step;
        var architecture = c.String(path + ".import.architecture") is { Length: > 0 } a ? a.ToLowerInvariant() : c.String("model");
        return step with { Import = new ImportedModel(file, architecture) };
    }

    private static AttackSettings Attack(SpecConfig c, string path, UntargetedPurpose purpose)
    {
        var a = c.Section(path);
        try
        {
            return UntargetedAttacks.Resolve(a.Get("norm", Names.Norm.Parse), a.Has("eps") ? a.Double("eps") : null,
                a.Has("steps") ? a.Int("steps") : null, a.Has("step-size") ? a.Double("step-size") : null, purpose);
        }
        catch (ArgumentException e)
        {
            throw c.Error($"{path}: {e.Message}");
        }
    }

    private ExperimentSpec Validated(SpecConfig c)
    {
        void Check(bool ok, string message)
        {
            if (!ok) throw c.Error(message);
        }
        Check(BatchSize > 0, $"batch-size must be positive, got {BatchSize}");
        foreach (var (name, step) in new[] { ("standard", Standard), ("retrain", Retrain), ("robust", Robust) })
            Check(step.Epochs > 0 && step.LearningRate > 0 && double.IsFinite(step.LearningRate), $"{name}: epochs and learning-rate must be positive");
        foreach (var (name, step) in new[] { ("standard", Standard), ("robust", Robust) })
        {
            if (step.Import is { } imported)
                Check(ModelFactory.Architectures.Contains(imported.Architecture),
                    $"{name}.import.architecture: unknown architecture '{InputText.Show(imported.Architecture)}'; known: {string.Join(", ", ModelFactory.Architectures)}");
        }

        var architectures = Transfer.Architectures;
        Check(architectures.Count > 0, "transfer.architectures must name at least one architecture");
        foreach (var architecture in architectures)
            Check(ModelFactory.Architectures.Contains(architecture),
                $"transfer.architectures: unknown architecture '{InputText.Show(architecture)}'; known: {string.Join(", ", ModelFactory.Architectures)}");
        Check(architectures.Distinct().Count() == architectures.Count, "transfer.architectures names an architecture twice");
        // The target of the source's own architecture would be the source model itself: transfer would be white-box.
        Check(Transfer.TargetSeed != Seed, $"transfer.target-seed must differ from seed ({Seed}): the {Architecture} target would be the source model itself");

        var eps = RobustnessCurve.Eps;
        Check(eps.Count > 0, "robustness-curve.eps must list at least one eps");
        Check(eps.All(e => double.IsFinite(e) && e >= 0), "robustness-curve.eps: every eps must be finite and not negative");
        Check(eps.Distinct().Count() == eps.Count, "robustness-curve.eps lists an eps twice");
        return this;
    }
}
