using System.Globalization;
using System.Text.RegularExpressions;
using StreamPipeline.Cli.Tests.Build;

namespace StreamPipeline.Cli.Tests;

/// <summary>The conventions a shell user and a scheduler expect of a command-line program.</summary>
[Collection(BuildTestCollection.Name)]
public sealed class CliConventionsTests(TinyModelFixture fixture)
{
    [Fact]
    public void Help_is_a_command_and_help_COMMAND_is_that_commands_help()
    {
        var root = CliProcess.Run(fixture.Root, "help");
        Assert.True(root.ExitCode == 0, root.Stderr);
        foreach (var command in new[] { "train", "evaluate", "build", "inspect", "experiment", "worker" })
            Assert.Contains(command, root.Stdout);

        var viaHelp = CliProcess.Run(fixture.Root, "help", "build");
        var viaOption = CliProcess.Run(fixture.Root, "build", "--help");
        Assert.Equal(0, viaHelp.ExitCode);
        Assert.Equal(viaOption.Stdout, viaHelp.Stdout);
        Assert.Contains("--devices", viaHelp.Stdout);
    }

    [Fact]
    public void Version_is_the_release_in_Directory_Build_props_with_its_commit()
    {
        var props = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "Directory.Build.props"));
        var release = Regex.Match(props, "<Version>([^<]+)</Version>").Groups[1].Value;
        Assert.Matches(@"^\d+\.\d+\.\d+$", release);

        var result = CliProcess.Run(fixture.Root, "--version");

        Assert.Equal(0, result.ExitCode);
        Assert.Matches($@"^{Regex.Escape(release)}(\+[0-9a-f]{{7,40}})?$", result.Stdout.Trim());
    }

    [Fact]
    public void Every_command_with_a_device_spells_it_devices_and_takes_device_as_the_same_option()
    {
        foreach (var command in new[] { "train", "evaluate", "build", "worker", "bench" })
        {
            var help = CliProcess.Run(fixture.Root, command, "--help");
            Assert.Matches(@"--devices, --device|--device, --devices", help.Stdout);
        }
        var jobDir = fixture.NewJobDirectory("device-spelling");
        var build = DetBuild.Of(fixture) with { Limit = 16, ShardSize = 16, BatchSize = 16, Steps = 1 };
        var flags = build.Flags();
        flags[Array.IndexOf(flags, "--devices")] = "--device";
        var built = CliProcess.Run(fixture.Root, ["build", jobDir, .. flags]);
        Assert.True(built.ExitCode == 0, built.Stderr);
    }

    [Fact]
    public void Sigterm_stops_a_build_at_a_safe_point_with_exit_143_as_shells_expect_and_it_resumes()
    {
        var build = DetBuild.Of(fixture) with { Limit = 320, ShardSize = 16, BatchSize = 8, Steps = 20 };
        var jobDir = fixture.NewJobDirectory("sigterm");
        CliProcess.Result stopped;
        using (var running = RunningCli.Start(fixture.Root, build.Command(jobDir)))
        {
            Assert.True(running.WaitUntil(() => JobManifest.DoneCountWhileRunning(jobDir) >= 1, TimeSpan.FromMinutes(2)), running.Stderr);
            Assert.False(running.HasExited, "the build finished before it could be stopped");
            System.Diagnostics.Process.Start("kill", ["-TERM", running.Pid.ToString(CultureInfo.InvariantCulture)]).WaitForExit();
            stopped = running.WaitForExit(TimeSpan.FromMinutes(1));
        }

        Assert.True(stopped.ExitCode == ExitCodes.Terminated, $"exit {stopped.ExitCode}: {stopped.Stderr}");
        Assert.Equal(143, ExitCodes.Terminated);
        Assert.Contains("terminate: stopping at the next safe point", stopped.Stderr);
        JobManifest.Read(jobDir).AssertConsistentWith(jobDir);
        var resumed = CliProcess.Run(fixture.Root, build.Command(jobDir));
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        DatasetAssert.SameRows(fixture.ReferenceBuild(build.Flags()), jobDir);
    }
}
