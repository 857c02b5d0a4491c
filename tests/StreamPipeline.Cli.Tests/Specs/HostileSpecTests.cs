namespace StreamPipeline.Cli.Tests.Specs;

/// <summary>
/// <c>build --spec FILE</c> and <c>experiment --spec FILE</c> with a hostile spec end with exit code 2 and one line
/// naming the file and the problem: no stack overflow, no accepted garbage, no null reference.
/// </summary>
public sealed class HostileSpecTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [MemberData(nameof(HostileSpec.Names), MemberType = typeof(HostileSpec))]
    public void Build_with_a_hostile_spec_file_is_refused_in_one_line(string name)
    {
        var hostile = HostileSpec.Named(name);
        var spec = hostile.WriteTo(_dir.File(name), "job.conf");

        var result = CliProcess.Run(_dir.Path, "build", _dir.File("job-" + name), "--spec", spec, "--metrics", "none");

        HostileSpec.AssertRefusedInOneLine(result, spec, hostile.MustMention);
        Assert.False(Directory.Exists(_dir.File("job-" + name)), "a refused spec must not create the job directory");
    }

    [Theory]
    [MemberData(nameof(HostileSpec.Names), MemberType = typeof(HostileSpec))]
    public void Experiment_with_a_hostile_spec_file_is_refused_in_one_line(string name)
    {
        var hostile = HostileSpec.Named(name);
        var spec = hostile.WriteTo(_dir.File(name), "experiment.conf");

        var result = CliProcess.Run(_dir.Path, "experiment", _dir.File("out-" + name), "--spec", spec);

        HostileSpec.AssertRefusedInOneLine(result, spec, hostile.MustMention);
    }

    [Fact]
    public void Build_spec_whose_optional_substitution_leaves_a_required_setting_unset_is_refused_in_one_line()
    {
        // ${?NOPE} of an unset variable means "not set": the construction is then missing, and that is what is said.
        var spec = _dir.File("optional.conf");
        File.WriteAllText(spec, "construction = ${?NOPE}\nmodel = \"m.pt\"\ndata = \"fashion-mnist:train\"\n");

        var result = CliProcess.Run(_dir.Path, "build", _dir.File("job-optional"), "--spec", spec, "--metrics", "none");

        HostileSpec.AssertRefusedInOneLine(result, spec, "construction is required");
    }

    [Fact]
    public void Experiment_spec_whose_optional_substitution_leaves_out_the_experiment_block_is_refused_in_one_line()
    {
        var spec = _dir.File("optional-experiment.conf");
        File.WriteAllText(spec, "experiment = ${?NOPE}\n");

        var result = CliProcess.Run(_dir.Path, "experiment", _dir.File("out-optional"), "--spec", spec);

        HostileSpec.AssertRefusedInOneLine(result, spec, "no 'experiment' block");
    }
}
