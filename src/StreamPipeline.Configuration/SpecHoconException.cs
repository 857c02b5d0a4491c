using System.Text;
using StreamPipeline.Data;

namespace StreamPipeline.Configuration;

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
        var text = new StringBuilder("spec ").Append(InputText.Show(File)).Append(": ");
        if (Line is { } line)
            text.Append("line ").Append(line).Append(": ");
        text.Append(Problem);
        if (IncludedFrom is { } from)
            text.Append(" (included from ").Append(InputText.Show(from.File)).Append(" line ").Append(from.Line).Append(')');
        return text.ToString().ReplaceLineEndings(" ");
    }
}
