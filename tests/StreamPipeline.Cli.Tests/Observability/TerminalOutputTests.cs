using System.Text.RegularExpressions;
using StreamPipeline.Cli.Tests.Build;

namespace StreamPipeline.Cli.Tests.Observability;

/// <summary>
/// What the live display writes to stderr, through the real program: on a pseudo-terminal (escape sequences only where
/// the terminal and NO_COLOR allow them) and, with --quiet, no progress lines at all.
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed partial class TerminalOutputTests(TinyModelFixture fixture)
{
    private static readonly Dictionary<string, string?> Capable = new() { ["TERM"] = "xterm", ["NO_COLOR"] = null };
    private static readonly Dictionary<string, string?> Dumb = new() { ["TERM"] = "dumb", ["NO_COLOR"] = null };
    private static readonly Dictionary<string, string?> NoColor = new() { ["TERM"] = "xterm", ["NO_COLOR"] = "1" };

    private Pty.Result BuildOnTerminal(Dictionary<string, string?> environment) =>
        Pty.Run(fixture.Root, environment, DetBuild.Of(fixture).Command(fixture.NewJobDirectory("pty")));

    private Pty.Result TrainOnTerminal(Dictionary<string, string?> environment) =>
        Pty.Run(fixture.Root, environment, TrainArguments(fixture.NewJobDirectory("pty") + ".pt"));

    private string[] TrainArguments(string output) =>
        ["train", "--data", fixture.TestReference, "--out", output, "--epochs", "2", "--batch-size", "16", "--device", "cpu", "--threads", "1"];

    [GeneratedRegex(@"\d+\.\d% [\d,]+/[\d,]+ img, ")]
    private static partial Regex BuildProgressLine();

    [GeneratedRegex(@"train: [\d,]+/[\d,]+ \(")]
    private static partial Regex TrainProgressLine();

    [Fact]
    public void Build_view_on_a_capable_terminal_redraws_with_escape_sequences()
    {
        // The control for the two tests below: the pseudo-terminal does show what the view draws.
        var result = BuildOnTerminal(Capable);

        Assert.True(result.ExitCode == 0, result.Text);
        Assert.True(result.HasEscape, "no escape sequence on a capable terminal: " + result.Text);
        Assert.Matches(BuildProgressLine(), result.Text);
    }

    [Fact]
    public void Build_view_with_term_dumb_writes_plain_lines_without_escape_or_carriage_return()
    {
        var result = BuildOnTerminal(Dumb);

        Assert.True(result.ExitCode == 0, result.Text);
        Assert.False(result.HasEscape, "escape sequence with TERM=dumb: " + result.Text);
        Assert.False(result.HasOverwrite, "line overwritten with TERM=dumb: " + result.Text);
        Assert.Matches(BuildProgressLine(), result.Text);
    }

    [Fact]
    public void Build_view_with_no_color_writes_no_escape_sequence()
    {
        var result = BuildOnTerminal(NoColor);

        Assert.True(result.ExitCode == 0, result.Text);
        Assert.False(result.HasEscape, "escape sequence with NO_COLOR=1: " + result.Text);
        Assert.Matches(BuildProgressLine(), result.Text);
    }

    [Fact]
    public void Train_progress_line_overwrites_itself_on_a_terminal_but_not_with_term_dumb_and_never_escapes()
    {
        var capable = TrainOnTerminal(Capable);
        var dumb = TrainOnTerminal(Dumb);
        var noColor = TrainOnTerminal(NoColor);

        Assert.All([capable, dumb, noColor], r => Assert.True(r.ExitCode == 0, r.Text));
        Assert.True(capable.HasOverwrite, "the progress line was not overwritten on a terminal: " + capable.Text);
        Assert.False(dumb.HasOverwrite, "line overwritten with TERM=dumb: " + dumb.Text);
        Assert.All([capable, dumb, noColor], r => Assert.False(r.HasEscape, "escape sequence: " + r.Text));
        Assert.All([capable, dumb, noColor], r => Assert.Matches(TrainProgressLine(), r.Text));
    }

    [Fact]
    public void Build_with_quiet_has_no_progress_lines_but_keeps_the_summary()
    {
        var build = DetBuild.Of(fixture);
        var loud = CliProcess.Run(fixture.Root, build.Command(fixture.NewJobDirectory("loud")));
        var quiet = CliProcess.Run(fixture.Root, [.. build.Command(fixture.NewJobDirectory("quiet")), "--quiet"]);

        Assert.True(loud.ExitCode == 0, loud.Stderr);
        Assert.True(quiet.ExitCode == 0, quiet.Stderr);
        Assert.Matches(BuildProgressLine(), loud.Stderr);
        Assert.DoesNotMatch(BuildProgressLine(), quiet.Stderr);
        Assert.DoesNotContain("images in", quiet.Stderr);
        Assert.Contains($"build: complete: {build.Limit:N0} rows written", quiet.Stderr);
        Assert.Equal("", quiet.Stdout);
    }

    [Fact]
    public void Train_and_evaluate_with_quiet_have_no_progress_lines_but_keep_their_results()
    {
        var model = fixture.NewJobDirectory("quiet-train") + ".pt";
        var loud = CliProcess.Run(fixture.Root, TrainArguments(fixture.NewJobDirectory("loud-train") + ".pt"));
        var quiet = CliProcess.Run(fixture.Root, [.. TrainArguments(model), "--quiet"]);
        var evaluated = CliProcess.Run(fixture.Root, "evaluate", "--model", model, "--data", fixture.TestReference, "--device", "cpu", "--threads", "1", "--quiet");

        Assert.True(loud.ExitCode == 0, loud.Stderr);
        Assert.True(quiet.ExitCode == 0, quiet.Stderr);
        Assert.Matches(TrainProgressLine(), loud.Stderr);
        Assert.DoesNotMatch(TrainProgressLine(), quiet.Stderr);
        Assert.Contains("train: done in", quiet.Stderr);
        Assert.True(File.Exists(model));
        Assert.True(evaluated.ExitCode == 0, evaluated.Stderr);
        Assert.DoesNotMatch(@"evaluate: [\d,]+/[\d,]+ \(", evaluated.Stderr);
        Assert.Contains("evaluate: ", evaluated.Stderr);
        Assert.Contains("accuracy", evaluated.Stderr);
    }
}
