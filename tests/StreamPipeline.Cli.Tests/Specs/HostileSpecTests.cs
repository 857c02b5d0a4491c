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

    public static TheoryData<string> FifoCases() => new("include", "build --spec", "experiment --spec", "build --cluster-conf");

    [Theory]
    [MemberData(nameof(FifoCases))]
    public void Spec_file_that_is_a_FIFO_is_refused_in_one_line_without_opening_it(string where)
    {
        var fifo = MakeFifo(_dir.File("pipe.conf"));
        var main = _dir.File("main.conf");
        File.WriteAllText(main, "include \"pipe.conf\"\n");
        var job = _dir.File("job");
        string[] args = where switch
        {
            "include" => ["build", job, "--spec", main, "--metrics", "none"],
            "build --spec" => ["build", job, "--spec", fifo, "--metrics", "none"],
            "experiment --spec" => ["experiment", _dir.File("out"), "--spec", fifo],
            _ => ["build", job, "--construction", "det", "--model", "m.ckpt", "--data", "fashion-mnist:test", "--serve", "--cluster-conf", fifo, "--metrics", "none"],
        };

        // Before: opening the FIFO waited for a writer forever (the timeout kills the child and fails the test).
        var result = CliProcess.Run(_dir.Path, TimeSpan.FromSeconds(90), args);

        HostileSpec.AssertRefusedInOneLine(result, fifo, "is a FIFO (named pipe), not a regular file");
    }

    [Theory]
    // Before: "attack.steps is missing (and has no default)" for a value that is there, of the wrong kind.
    [InlineData("attack.steps = [1, 2]", "attack.steps must be a whole number, got a list")]
    [InlineData("attack.steps = { n = 3 }", "attack.steps must be a whole number, got an object")]
    [InlineData("attack.eps = [0.5]", "attack.eps must be a number, got a list")]
    [InlineData("attack.eps = half", "attack.eps must be a number, got 'half'")]
    [InlineData("seed = { a = 1 }", "seed must be a whole number, got an object")]
    [InlineData("construction = [det]", "construction must be a single value, got a list")]
    public void Build_spec_value_of_the_wrong_kind_is_refused_naming_the_kind(string line, string mustMention)
    {
        var spec = _dir.File("kind.conf");
        File.WriteAllText(spec, $"construction = det\nmodel = \"m.ckpt\"\ndata = \"fashion-mnist:test\"\n{line}\n");

        var result = CliProcess.Run(_dir.Path, "build", _dir.File("job-kind"), "--spec", spec, "--metrics", "none");

        HostileSpec.AssertRefusedInOneLine(result, spec, mustMention);
    }

    [Fact]
    public void Experiment_spec_value_of_the_wrong_kind_is_refused_naming_the_kind()
    {
        var spec = _dir.File("experiment-kind.conf");
        File.WriteAllText(spec, "experiment { seed = [1, 2] }\n");

        var result = CliProcess.Run(_dir.Path, "experiment", _dir.File("out-kind"), "--spec", spec);

        HostileSpec.AssertRefusedInOneLine(result, spec, "seed must be a whole number, got a list");
    }

    [Theory]
    [InlineData("build", "construction")]
    [InlineData("build", "devices")]
    [InlineData("build", "attack.eps")]
    [InlineData("experiment", "experiment.seed")]
    public void Error_line_about_a_900000_character_spec_value_stays_short(string command, string key)
    {
        var huge = new string('x', 900_000);
        var spec = _dir.File($"{command}-{key}.conf");
        File.WriteAllText(spec, command == "build"
            ? $"construction = det\nmodel = \"m.ckpt\"\ndata = \"fashion-mnist:test\"\n{key} = \"{huge}\"\n"
            : $"experiment {{ {key["experiment.".Length..]} = \"{huge}\" }}\n");
        string[] args = command == "build"
            ? ["build", _dir.File("job-huge"), "--spec", spec, "--metrics", "none"]
            : ["experiment", _dir.File("out-huge"), "--spec", spec];

        var result = CliProcess.Run(_dir.Path, args);

        // Before: the error line repeated the value, 900,000 characters.
        var line = HostileSpec.AssertRefusedInOneLine(result, spec, "xxx...xxx");
        Assert.Contains("(900,000 characters)", line);
        Assert.True(line.Length < 400, $"an error line of {line.Length} characters: {line[..Math.Min(400, line.Length)]}");
    }

    /// <summary>Makes a FIFO (named pipe) at <paramref name="path"/> with mkfifo(1).</summary>
    private static string MakeFifo(string path)
    {
        var info = new System.Diagnostics.ProcessStartInfo("mkfifo") { UseShellExecute = false, RedirectStandardError = true };
        info.ArgumentList.Add(path);
        using var process = System.Diagnostics.Process.Start(info)
            ?? throw new InvalidOperationException("mkfifo could not be started: the test needs coreutils' mkfifo");
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"mkfifo {path} failed: {process.StandardError.ReadToEnd()}");
        return path;
    }
}
