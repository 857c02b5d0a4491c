using System.Text;

namespace StreamPipeline.Pipeline.Configuration;

/// <summary>
/// A problem in spec HOCON at a place in a file; <see cref="SpecHocon"/> turns it into the one-line
/// <see cref="ArgumentException"/> the command line reports (exit code 2).
/// </summary>
internal sealed class SpecHoconException(string file, int? line, string problem) : Exception(problem)
{
    public string File { get; } = file;

    public int? Line { get; } = line;

    public string Problem { get; } = problem;

    /// <summary>The include directive that brought <see cref="File"/> in, when the problem is in an included file.</summary>
    public (string File, int Line)? IncludedFrom { get; private init; }

    public SpecHoconException IncludedBy(string file, int line) =>
        new(File, Line, Problem) { IncludedFrom = (file, line) };

    /// <summary><c>spec FILE: line N: problem (included from FILE line N)</c>, on one line.</summary>
    public string OneLine()
    {
        var text = new StringBuilder("spec ").Append(File).Append(": ");
        if (Line is { } line)
            text.Append("line ").Append(line).Append(": ");
        text.Append(Problem);
        if (IncludedFrom is { } from)
            text.Append(" (included from ").Append(from.File).Append(" line ").Append(from.Line).Append(')');
        return text.ToString().ReplaceLineEndings(" ");
    }

    /// <summary>User text quoted for a message: control characters escaped, long text cut, so a message stays one short line.</summary>
    public static string Show(string text, int max = 60)
    {
        var shown = new StringBuilder();
        foreach (var c in text.Length > max ? text[..max] : text)
        {
            if (char.IsControl(c) || char.IsSurrogate(c) || c is '\u2028' or '\u2029' or '\uFEFF')
                shown.Append($"\\u{(int)c:x4}");
            else
                shown.Append(c);
        }
        if (text.Length > max)
            shown.Append("...");
        return shown.ToString();
    }
}
