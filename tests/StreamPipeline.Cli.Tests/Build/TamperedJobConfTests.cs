using StreamPipeline.Cli.Tests.Specs;
using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Cli.Tests.Build;

/// <summary>
/// The spec a resumed build reads is JOBDIR/job.conf, a file anyone can edit: a hostile edit ends the resume with exit
/// code 2 and one line naming job.conf, and changes nothing. Valid HOCON that the old parser got wrong
/// (<c>${?NOPE}</c>, an optional substitution of an unset variable) is accepted with its HOCON meaning.
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed class TamperedJobConfTests(TinyModelFixture fixture)
{
    private readonly DetBuild _build = DetBuild.Of(fixture) with { Limit = 16, ShardSize = 16, BatchSize = 16, Steps = 1 };

    [Theory]
    [MemberData(nameof(HostileSpec.Names), MemberType = typeof(HostileSpec))]
    public void Resume_with_a_hostile_job_conf_is_refused_in_one_line_and_changes_nothing(string name)
    {
        var jobDir = CopyOfFinishedJob(name);
        var hostile = HostileSpec.Named(name);
        // The edit keeps the real settings and adds the hostile text, as a user editing the file would.
        var original = File.ReadAllText(Path.Combine(jobDir, "job.conf"));
        var jobConf = (hostile with { Text = original + hostile.Text }).WriteTo(jobDir, "job.conf");
        var before = DirectorySnapshot.Take(jobDir);

        var result = CliProcess.Run(fixture.Root, "build", jobDir, "--threads", "1", "--metrics", "none");

        HostileSpec.AssertRefusedInOneLine(result, jobConf, hostile.MustMention);
        Assert.Equal(before, DirectorySnapshot.Take(jobDir));
    }

    [Fact]
    public void Resume_with_a_job_conf_whose_construction_became_an_unset_optional_substitution_is_refused_in_one_line()
    {
        var jobDir = CopyOfFinishedJob("optional");
        var jobConf = Path.Combine(jobDir, "job.conf");
        var text = File.ReadAllText(jobConf);
        Assert.Contains("construction = \"det\"", text);
        File.WriteAllText(jobConf, text.Replace("construction = \"det\"", "construction = ${?NOPE}", StringComparison.Ordinal));

        var result = CliProcess.Run(fixture.Root, "build", jobDir, "--threads", "1", "--metrics", "none");

        HostileSpec.AssertRefusedInOneLine(result, jobConf, "construction is required");
    }

    [Fact]
    public void Optional_substitution_of_an_unset_variable_leaves_the_setting_at_its_default_or_earlier_value()
    {
        var spec = Path.Combine(fixture.Root, $"optional-{Guid.NewGuid():N}.conf");
        File.WriteAllText(spec, $$"""
            construction = det
            model = "{{fixture.Model}}"
            data = "{{fixture.SourceReference}}"
            limit = 16
            limit = ${?NOPE}
            seed = ${?NOPE}
            max-retries = ${?NOPE}
            devices = ["cpu"]
            attack { norm = l2, eps = 1.0, step-size = 0.3, steps = ${?NOPE} 1 }
            """);
        var jobDir = fixture.NewJobDirectory("optional-accepted");

        var result = CliProcess.Run(fixture.Root, "build", jobDir, "--spec", spec, "--threads", "1", "--metrics", "none");

        Assert.True(result.ExitCode == 0, result.Stderr);
        var written = JobSpecLoader.Load(Path.Combine(jobDir, "job.conf"));
        var defaults = JobSpecLoader.Parse("construction = det\nmodel = m\ndata = d");
        Assert.Equal(16, written.Limit);
        Assert.Equal((defaults.Seed, defaults.MaxRetries), (written.Seed, written.MaxRetries));
        // In a concatenation an undefined optional substitution is an empty string: "${?NOPE} 1" is "1".
        Assert.Equal(1, written.Attack.Steps);
    }

    /// <summary>A private copy of a finished tiny build (built once, shared), so each test may edit its job.conf.</summary>
    private string CopyOfFinishedJob(string name)
    {
        var reference = fixture.ReferenceBuild(_build.Flags());
        var copy = fixture.NewJobDirectory("tampered-" + name);
        foreach (var file in Directory.GetFiles(reference, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(reference, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return copy;
    }
}
