using StreamPipeline.Experiment;

namespace StreamPipeline.Experiment.Tests;

/// <summary>Every experiment spec under config/experiments/ loads, full and --quick, and the quick overlay changes what it says.</summary>
public sealed class ExperimentSpecTests
{
    public static TheoryData<string> Specs()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "config", "experiments"), "*.conf").Order())
            data.Add(Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void Experiment_spec_loads_in_full_and_quick_form(string file)
    {
        var path = Path.Combine(RepositoryRoot.Path, "config", "experiments", file);
        var full = ExperimentSpec.Load(path, quick: false);
        var quick = ExperimentSpec.Load(path, quick: true);
        Assert.All(Enum.GetValues<ConstructionKind>(), kind => Assert.True(full.Builds[kind].Images is null or > 0));
        Assert.True(quick.Quick && !full.Quick);
        // A spec with its own (non-empty) quick block reduces the work; one without inherits its base's (smoke.conf), defaults.conf has an empty one.
        if (File.ReadAllText(path).Contains("quick {\n", StringComparison.Ordinal))
            Assert.True(quick.Builds[ConstructionKind.Det].Images < full.Builds[ConstructionKind.Det].Images, file);
    }

    [Fact]
    public void Cifar10_spec_uses_the_papers_attack_settings_resnet50_and_the_imported_robustness_model()
    {
        var spec = ExperimentSpec.Load(Path.Combine(RepositoryRoot.Path, "config", "experiments", "cifar10.conf"), quick: false);
        var det = spec.Builds[ConstructionKind.Det].Job.Attack;
        Assert.Equal((0.5, 0.1, 100), (det.Eps, det.StepSize, det.Steps));
        var robust = spec.Builds[ConstructionKind.Robust].Job.Attack;
        Assert.Equal((ThreatModel.L2Unbounded, 0.1, 1000), (robust.Norm, robust.StepSize, robust.Steps));
        Assert.Equal("resnet50", spec.Architecture);
        Assert.Equal(new ExperimentSpec.ImportedModel("/models/cifar_l2_0_5.pt", "resnet50"), spec.Robust.Import);
        Assert.Null(spec.Standard.Import);
    }

    [Fact]
    public void Fashion_mnist_spec_studies_transfer_over_four_architectures_and_quick_over_the_cheap_three()
    {
        var path = Path.Combine(RepositoryRoot.Path, "config", "experiments", "fashion-mnist.conf");
        var full = ExperimentSpec.Load(path, quick: false);
        var quick = ExperimentSpec.Load(path, quick: true);
        Assert.Equal(["mlp", "small-cnn", "small-cnn-wide", "resnet18"], full.Transfer.Architectures);
        Assert.Equal(["mlp", "small-cnn", "small-cnn-wide"], quick.Transfer.Architectures);
        Assert.NotEqual(full.Seed, full.Transfer.TargetSeed);
        Assert.Equal([0, 0.25, 0.5, 1.0, 1.5, 2.0], quick.RobustnessCurve.Eps);
        Assert.True(quick.RobustnessCurve.TestImages < full.RobustnessCurve.TestImages);
    }

    [Theory]
    [InlineData("transfer { target-seed = 0 }", "transfer.target-seed must differ from seed (0)")]
    [InlineData("transfer { architectures = [small-cnn, vgg16] }", "unknown architecture 'vgg16'")]
    [InlineData("robust.import { file = \"x.pt\", architecture = vgg16 }", "robust.import.architecture: unknown architecture 'vgg16'")]
    [InlineData("standard.import { path = \"x.pt\" }", "standard.import.path")]
    [InlineData("transfer { architectures = [mlp, mlp] }", "names an architecture twice")]
    [InlineData("transfer { architectures = [] }", "at least one architecture")]
    [InlineData("robustness-curve { eps = [0, -1] }", "finite and not negative")]
    [InlineData("robustness-curve { eps = [0, x] }", "'x' is not a number")]
    [InlineData("robustness-curve { epsilon = [1] }", "unknown setting 'experiment.robustness-curve.epsilon'")]
    public void A_bad_transfer_or_robustness_curve_setting_is_refused_with_one_line_naming_it(string block, string message)
    {
        using var dir = new TempDirectory();
        var spec = dir.File("bad.conf");
        File.WriteAllText(spec, $"experiment {{\n  {block}\n}}\n");

        var error = Assert.Throws<ArgumentException>(() => ExperimentSpec.Load(spec, quick: false));

        Assert.Contains(message, error.Message);
        Assert.Contains(spec, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
