namespace StreamPipeline.Configuration;

/// <summary>
/// Spec HOCON as parsed, before substitutions are resolved. Nodes are compared by reference: the resolver remembers
/// each node's value and which nodes it is resolving (that is how it finds a cycle).
/// </summary>
internal abstract class SpecHoconNode(string file, int line)
{
    public string File { get; } = file;

    public int Line { get; } = line;

    /// <summary>A string (quoted, unquoted or triple-quoted); <see cref="IsWhitespace"/> for the space between two parts of a concatenation.</summary>
    public sealed class Text(string value, bool isWhitespace, string file, int line) : SpecHoconNode(file, line)
    {
        public string Value { get; } = value;

        public bool IsWhitespace { get; } = isWhitespace;
    }

    /// <summary>An object; fields keep the order in which their keys first appeared (as Akka's parser keeps them).</summary>
    public sealed class Object(string file, int line) : SpecHoconNode(file, line)
    {
        public OrderedDictionary<string, SpecHoconNode> Fields { get; } = new(StringComparer.Ordinal);
    }

    public sealed class List(IReadOnlyList<SpecHoconNode> items, string file, int line) : SpecHoconNode(file, line)
    {
        public IReadOnlyList<SpecHoconNode> Items { get; } = items;
    }

    /// <summary>
    /// <c>${path}</c> or <c>${?path}</c>. <see cref="IncludePrefix"/> is where the file holding it was included: such a
    /// path is looked up under that prefix first, then from the root (HOCON's rule for included files).
    /// </summary>
    public sealed class Substitution(IReadOnlyList<string> path, bool optional, IReadOnlyList<string> includePrefix, string file, int line)
        : SpecHoconNode(file, line)
    {
        public IReadOnlyList<string> Path { get; } = path;

        public bool Optional { get; } = optional;

        public IReadOnlyList<string> IncludePrefix { get; } = includePrefix;

        public string Written => (Optional ? "${?" : "${") + string.Join('.', Path) + "}";
    }

    /// <summary>Values written side by side on one line (<c>a = ${x} ${y}</c>, <c>a = [1] [2]</c>): strings join, lists append, objects merge.</summary>
    public sealed class Concatenation(IReadOnlyList<SpecHoconNode> parts, string file, int line) : SpecHoconNode(file, line)
    {
        public IReadOnlyList<SpecHoconNode> Parts { get; } = parts;
    }

    /// <summary>
    /// A later value of a field over an earlier one whose outcome needs substitutions resolved: an undefined optional
    /// substitution keeps <see cref="Earlier"/>, an object merges over an earlier object, anything else replaces it.
    /// </summary>
    public sealed class Override(SpecHoconNode earlier, SpecHoconNode later) : SpecHoconNode(later.File, later.Line)
    {
        public SpecHoconNode Earlier { get; } = earlier;

        public SpecHoconNode Later { get; } = later;
    }

    /// <summary>A string or a list of strings is final; objects, substitutions and concatenations may still merge.</summary>
    public bool IsFinalLeaf => this is Text or List;

    /// <summary>Sets <paramref name="key"/> of <paramref name="target"/> to <paramref name="value"/> with HOCON's rules for a repeated key.</summary>
    public static void Assign(Object target, string key, SpecHoconNode value)
    {
        if (!target.Fields.TryGetValue(key, out var earlier))
        {
            target.Fields.Add(key, value);
            return;
        }
        switch (earlier, value)
        {
            case (Object older, Object newer):
                // Recursion as deep as the objects, which the parser bounds (SpecHocon.MaxDepth).
                foreach (var (k, v) in newer.Fields)
                    Assign(older, k, v);
                break;
            case (_, Object) when earlier.IsFinalLeaf:
            case (_, Text or List):
                target.Fields[key] = value;
                break;
            default:
                target.Fields[key] = new Override(earlier, value);
                break;
        }
    }
}
