using StreamPipeline.Attacks;
using StreamPipeline.Experiment;

namespace StreamPipeline.Cli.Tests.Specs;

/// <summary>An experiment spec that is bad HOCON, or good HOCON with a value of the wrong form, is refused with exit code 2 and a line naming the file.</summary>
public sealed class ExperimentSpecRefusalTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("experiment { standard { learning-rate = 0.001all } }", "0.001all")]
    [InlineData("experiment { build { det { norm = l3 } } }", "'l3' is not one of")]
    [InlineData("experiment { seed = [1, 2] }", "exp.conf")]
    [InlineData("experiment { a = ${experiment.b}, b = ${experiment.a} }", "substitution cycle")]
    [InlineData("experiment { name = \"x }", "line 1: a quoted string is never closed")]
    [InlineData("experiment { base = \"exp.conf\" }", "'base' specs nest too deep")]
    public void Bad_experiment_spec_is_refused_with_exit_code_2_naming_the_file(string text, string expected)
    {
        var file = _dir.File("exp.conf");
        File.WriteAllText(file, text);

        var error = Assert.ThrowsAny<Exception>(() => ExperimentSpec.Load(file, quick: false));

        var (code, message) = CommandRunner.Classify(error, CancellationToken.None);
        Assert.Equal(2, code);
        Assert.Contains(file, message);
        Assert.Contains(expected, message);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void Experiment_spec_base_chain_reads_through_spec_hocon()
    {
        var repositorySpec = Path.Combine(RepositoryRoot.Path, "config", "experiments", "fashion-mnist.conf");
        File.WriteAllText(_dir.File("base.conf"), $"experiment {{\n  base = \"{repositorySpec}\"\n  seed = 3\n}}");
        File.WriteAllText(_dir.File("child.conf"), "experiment {\n  base = \"base.conf\"\n  name = child\n  seed = ${?NOPE}\n  retrain { epochs = 2 }\n}");

        var spec = ExperimentSpec.Load(_dir.File("child.conf"), quick: false);

        Assert.Equal(("child", 3, 2, 60), (spec.Name, spec.Seed, spec.Retrain.Epochs, spec.Builds[ConstructionKind.Det].Job.Attack.Steps));
    }
}
