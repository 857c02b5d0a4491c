using StreamPipeline.Cli.Presentation;

namespace StreamPipeline.Cli.Tests.Observability;

/// <summary>How the live display draws, from --quiet, the terminal and the environment.</summary>
public sealed class TerminalTests
{
    [Theory]
    [InlineData(false, false, "xterm-256color", null, DisplayMode.Redraw)]
    [InlineData(false, false, null, null, DisplayMode.Redraw)]
    [InlineData(false, false, "xterm", "", DisplayMode.Redraw)] // NO_COLOR set but empty does not count (no-color.org)
    [InlineData(false, false, "xterm", "1", DisplayMode.Overwrite)]
    [InlineData(false, false, "dumb", null, DisplayMode.Plain)]
    [InlineData(false, false, "dumb", "1", DisplayMode.Plain)]
    [InlineData(false, true, "xterm", null, DisplayMode.Plain)]
    [InlineData(true, false, "xterm", null, DisplayMode.Quiet)]
    [InlineData(true, true, "dumb", "1", DisplayMode.Quiet)]
    public void Quiet_wins_then_a_pipe_or_dumb_terminal_is_plain_then_no_color_avoids_escapes(
        bool quiet, bool redirected, string? term, string? noColor, DisplayMode expected)
    {
        Assert.Equal(expected, Terminal.Choose(quiet, redirected, term, noColor));
    }
}
