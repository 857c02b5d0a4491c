namespace StreamPipeline.Cli.Presentation;

/// <summary>How a command's live display (build view, progress line) draws on stderr; chosen once by <see cref="Terminal.Choose(bool)"/>.</summary>
public enum DisplayMode
{
    /// <summary><c>--quiet</c>: no live view and no progress lines; one-off lines, warnings, errors and the summary only.</summary>
    Quiet,

    /// <summary>Not a terminal, or <c>TERM=dumb</c>: a plain line now and then, no control characters.</summary>
    Plain,

    /// <summary>A terminal with <c>NO_COLOR</c> set: one line overwritten with a carriage return, no escape sequence.</summary>
    Overwrite,

    /// <summary>A capable terminal: the view is redrawn in place with cursor-movement escape sequences.</summary>
    Redraw,
}
