namespace StreamPipeline.Cli.Presentation;

/// <summary>Decides the <see cref="DisplayMode"/> from --quiet, whether stderr is a terminal, TERM and NO_COLOR.</summary>
public static class Terminal
{
    /// <summary>The mode for this process's stderr and environment.</summary>
    public static DisplayMode Choose(bool quiet) => Choose(
        quiet, Console.IsErrorRedirected, Environment.GetEnvironmentVariable("TERM"), Environment.GetEnvironmentVariable("NO_COLOR"));

    /// <summary>
    /// <paramref name="noColor"/> counts when set and not empty (no-color.org). The view uses no colour, but people who set
    /// NO_COLOR want no escape sequences at all, so it also turns off cursor movement; a carriage return still
    /// overwrites the line. A dumb terminal gets plain lines, as a pipe does.
    /// </summary>
    public static DisplayMode Choose(bool quiet, bool stderrRedirected, string? term, string? noColor)
    {
        if (quiet)
            return DisplayMode.Quiet;
        if (stderrRedirected || string.Equals(term, "dumb", StringComparison.Ordinal))
            return DisplayMode.Plain;
        return string.IsNullOrEmpty(noColor) ? DisplayMode.Redraw : DisplayMode.Overwrite;
    }

    /// <summary>The terminal's width in columns (80 when it cannot be read).</summary>
    public static int Width()
    {
        try
        {
            return Console.WindowWidth > 0 ? Console.WindowWidth : 80;
        }
        catch (IOException)
        {
            return 80;
        }
    }
}
