using StreamPipeline.Cli.Experiments;

namespace StreamPipeline.Cli.Tests;

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
    public void Cifar10_spec_uses_the_papers_attack_settings()
    {
        var spec = ExperimentSpec.Load(Path.Combine(RepositoryRoot.Path, "config", "experiments", "cifar10.conf"), quick: false);
        var det = spec.Builds[ConstructionKind.Det].Job.Attack;
        Assert.Equal((0.5, 0.1, 100), (det.Eps, det.StepSize, det.Steps));
        var robust = spec.Builds[ConstructionKind.Robust].Job.Attack;
        Assert.Equal((ThreatModel.L2Unbounded, 0.1, 1000), (robust.Norm, robust.StepSize, robust.Steps));
        Assert.Equal("resnet18", spec.Architecture);
    }
}
