using StreamPipeline.Data;

namespace StreamPipeline.Configuration;

/// <summary>
/// The files a spec includes, as they are read: refuses a loop (a file including itself, directly or not), nesting
/// deeper than <see cref="SpecHocon.MaxIncludeDepth"/> files, more than <see cref="SpecHocon.MaxIncludes"/> includes
/// and more than <see cref="SpecHocon.MaxTotalChars"/> characters in all.
/// </summary>
internal sealed class SpecHoconIncludes
{
    private readonly List<string> _chain = [];
    private int _count;
    private long _chars;

    public SpecHoconIncludes(string specFile, int specChars)
    {
        _chain.Add(FullPath(specFile) ?? specFile);
        _chars = specChars;
    }

    /// <summary>
    /// Reads the file that <c>include "<paramref name="name"/>"</c> on <paramref name="line"/> of <paramref name="from"/>
    /// names (relative to <paramref name="from"/>'s folder); call <see cref="Close"/> when it is parsed.
    /// </summary>
    public (string File, string Text) Open(string from, string name, int line)
    {
        SpecHoconException Error(string problem) => new(from, line, $"include \"{InputText.Show(name)}\": {problem}");

        if (name.Length == 0)
            throw Error("an empty file name");
        if (++_count > SpecHocon.MaxIncludes)
            throw Error($"more than {SpecHocon.MaxIncludes} includes in one spec");
        if (_chain.Count > SpecHocon.MaxIncludeDepth)
            throw Error($"includes nest deeper than {SpecHocon.MaxIncludeDepth} files");
        var file = Path.IsPathRooted(name) ? name : Path.Combine(Path.GetDirectoryName(from) ?? "", name);
        var full = FullPath(file) ?? throw Error("not a valid file name");
        var loop = _chain.IndexOf(full);
        if (loop >= 0)
            throw Error($"include loop: {string.Join(" -> ", _chain.Skip(loop).Append(full).Select(Path.GetFileName))}");
        var text = SpecHocon.ReadText(file, problem => Error(problem));
        _chars += text.Length;
        if (_chars > SpecHocon.MaxTotalChars)
            throw Error($"the spec and its includes exceed {SpecHocon.MaxTotalChars / (1 << 20)} MiB of text");
        _chain.Add(full);
        return (file, text);
    }

    /// <summary>The most recently opened include has been parsed.</summary>
    public void Close() => _chain.RemoveAt(_chain.Count - 1);

    private static string? FullPath(string file)
    {
        try
        {
            return Path.GetFullPath(file);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return null;
        }
    }
}
