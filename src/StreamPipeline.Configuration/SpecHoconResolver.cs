using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using StreamPipeline.Data;

namespace StreamPipeline.Configuration;

/// <summary>
/// Resolves the substitutions of a parsed spec (HOCON's rules: a path is looked up in the whole spec, then as an
/// environment variable; <c>${?path}</c> may be undefined) and builds Akka's <see cref="Config"/> from the result. A
/// cycle is refused naming its substitutions; the nesting and size a spec reaches once substitutions are copied in are
/// bounded, so neither this recursion nor Akka's over the result can run away.
/// </summary>
internal sealed class SpecHoconResolver
{
    private readonly SpecHoconNode.Object _root;
    private readonly Dictionary<SpecHoconNode, SpecHoconValue?> _resolved = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<SpecHoconNode> _resolving = new(ReferenceEqualityComparer.Instance);
    private readonly List<SpecHoconNode.Substitution> _chain = [];
    private int _depth;

    private SpecHoconResolver(SpecHoconNode.Object root) => _root = root;

    public static Config Resolve(SpecHoconNode.Object root)
    {
        // An object resolves to an object: an undefined field is left out, never the object itself.
        var value = (SpecHoconValue.Object)new SpecHoconResolver(root).Resolve(root)!;
        return new Config(new HoconRoot(ToAkka(value)));
    }

    /// <summary>The node's value; null when it is undefined (an optional substitution of something unset).</summary>
    private SpecHoconValue? Resolve(SpecHoconNode node)
    {
        if (_resolved.TryGetValue(node, out var done))
            return done;
        if (!_resolving.Add(node))
            throw Cycle(node);
        if (++_depth > SpecHocon.MaxResolveDepth)
            throw new SpecHoconException(node.File, node.Line, $"substitutions nest deeper than {SpecHocon.MaxResolveDepth} levels");
        RuntimeHelpers.EnsureSufficientExecutionStack();
        var value = node switch
        {
            SpecHoconNode.Text text => new SpecHoconValue.Text(text.Value),
            SpecHoconNode.List list => new SpecHoconValue.List(list.Items.Select(Resolve).OfType<SpecHoconValue>().ToList()),
            SpecHoconNode.Object obj => ResolveObject(obj),
            SpecHoconNode.Substitution substitution => ResolveSubstitution(substitution),
            SpecHoconNode.Concatenation concatenation => ResolveConcatenation(concatenation),
            SpecHoconNode.Override over => ResolveOverride(over),
            _ => throw new UnreachableException(node.GetType().Name),
        };
        if (value is not null)
            CheckBounds(value, node);
        _depth--;
        _resolving.Remove(node);
        _resolved[node] = value;
        return value;
    }

    private SpecHoconValue.Object ResolveObject(SpecHoconNode.Object obj)
    {
        var fields = new OrderedDictionary<string, SpecHoconValue>(StringComparer.Ordinal);
        foreach (var (key, node) in obj.Fields)
        {
            // A field whose value is undefined is not created (HOCON: x = ${?NOPE} leaves x unset).
            if (Resolve(node) is { } value)
                fields.Add(key, value);
        }
        return new SpecHoconValue.Object(fields);
    }

    private SpecHoconValue? ResolveSubstitution(SpecHoconNode.Substitution substitution)
    {
        _chain.Add(substitution);
        try
        {
            // In an included file a path is relative to where the file was included, then absolute (HOCON).
            if (substitution.IncludePrefix.Count > 0 && Lookup([.. substitution.IncludePrefix, .. substitution.Path]) is { } relative)
                return relative;
            if (Lookup(substitution.Path) is { } value)
                return value;
            var name = string.Join('.', substitution.Path);
            if (EnvironmentVariable(name) is { } environment)
                return new SpecHoconValue.Text(environment);
            if (substitution.Optional)
                return null;
            var shown = InputText.Show(name);
            throw new SpecHoconException(substitution.File, substitution.Line,
                $"{InputText.Show(substitution.Written)}: '{shown}' is set neither in the spec nor as an environment variable (write ${{?{shown}}} for an optional value)");
        }
        finally
        {
            _chain.RemoveAt(_chain.Count - 1);
        }
    }

    /// <summary>
    /// The value at <paramref name="path"/>. Objects on the way are walked without resolving them, so a field may refer
    /// to a sibling (<c>a { x = 1, y = ${a.x} }</c>); anything else on the way is resolved first.
    /// </summary>
    private SpecHoconValue? Lookup(IReadOnlyList<string> path)
    {
        SpecHoconNode node = _root;
        SpecHoconValue? value = null;
        foreach (var key in path)
        {
            if (value is null && node is SpecHoconNode.Object obj)
            {
                if (!obj.Fields.TryGetValue(key, out var child))
                    return null;
                node = child;
                continue;
            }
            value = ((value ?? Resolve(node)) as SpecHoconValue.Object)?.Get(key);
            if (value is null)
                return null;
        }
        return value ?? Resolve(node);
    }

    /// <summary>Parts written side by side: strings join (with the space between them), lists append, objects merge.</summary>
    private SpecHoconValue? ResolveConcatenation(SpecHoconNode.Concatenation concatenation)
    {
        var parts = concatenation.Parts.Select(p => (Node: p, Value: p is SpecHoconNode.Text { IsWhitespace: true } ? null : Resolve(p))).ToList();
        var defined = parts.Select(p => p.Value).OfType<SpecHoconValue>().ToList();
        if (defined.Count == 0)
            return null;
        var kinds = defined.Select(Kind).Distinct().ToList();
        if (kinds.Count > 1)
            throw new SpecHoconException(concatenation.File, concatenation.Line, $"a value joins {kinds[0]} and {kinds[1]}, which HOCON cannot concatenate");
        switch (defined[0])
        {
            case SpecHoconValue.Text:
                var length = parts.Sum(p => (long)(p.Value is SpecHoconValue.Text t ? t.Value.Length : p.Node is SpecHoconNode.Text { IsWhitespace: true } w ? w.Value.Length : 0));
                if (length > SpecHocon.MaxResolvedSize)
                    throw TooLarge(concatenation);
                var text = new StringBuilder();
                foreach (var (node, value) in parts)
                {
                    // An undefined optional substitution in a string is the empty string.
                    if (value is SpecHoconValue.Text t)
                        text.Append(t.Value);
                    else if (node is SpecHoconNode.Text { IsWhitespace: true } space)
                        text.Append(space.Value);
                }
                return new SpecHoconValue.Text(text.ToString());
            case SpecHoconValue.List:
                if (defined.Sum(v => v.Size) > SpecHocon.MaxResolvedSize)
                    throw TooLarge(concatenation);
                return new SpecHoconValue.List(defined.Cast<SpecHoconValue.List>().SelectMany(l => l.Items).ToList());
            default:
                return defined.Cast<SpecHoconValue.Object>().Aggregate((earlier, later) => earlier.MergedWith(later));
        }
    }

    private static string Kind(SpecHoconValue value) => value switch
    {
        SpecHoconValue.Text => "a string",
        SpecHoconValue.List => "a list",
        _ => "an object",
    };

    /// <summary>
    /// Later values of a field over earlier ones, latest first: an undefined one defers to the one before, objects merge
    /// over earlier objects, any other value ends the search. A loop, not a recursion: a key may be set any number of times.
    /// </summary>
    private SpecHoconValue? ResolveOverride(SpecHoconNode.Override over)
    {
        var objects = new List<SpecHoconValue.Object>();
        SpecHoconValue? final = null;
        for (SpecHoconNode? node = over; node is not null;)
        {
            var (candidate, earlier) = node is SpecHoconNode.Override o ? (o.Later, o.Earlier) : (node, null);
            node = earlier;
            switch (Resolve(candidate))
            {
                case null:
                    continue;
                case SpecHoconValue.Object obj:
                    objects.Add(obj);
                    continue;
                case var value:
                    final = objects.Count == 0 ? value : null;
                    break;
            }
            break;
        }
        if (objects.Count == 0)
            return final;
        // Merged from the earliest to the latest, so later fields win.
        objects.Reverse();
        return objects.Aggregate((earlier, later) => earlier.MergedWith(later));
    }

    private static void CheckBounds(SpecHoconValue value, SpecHoconNode node)
    {
        if (value.Size > SpecHocon.MaxResolvedSize)
            throw TooLarge(node);
        if (value.Depth > SpecHocon.MaxDepth)
            throw new SpecHoconException(node.File, node.Line,
                $"substitutions nest values deeper than {SpecHocon.MaxDepth} levels of objects and lists");
    }

    private static SpecHoconException TooLarge(SpecHoconNode node) =>
        new(node.File, node.Line, $"substitutions make the spec larger than {SpecHocon.MaxResolvedSize / (1 << 20)} MiB once copied in");

    /// <summary>Names the substitutions that lead back to <paramref name="node"/>, which is still being resolved.</summary>
    private SpecHoconException Cycle(SpecHoconNode node)
    {
        var start = node is SpecHoconNode.Substitution again ? Math.Max(0, _chain.IndexOf(again)) : 0;
        if (_chain.Count == 0)
            return new SpecHoconException(node.File, node.Line, "substitution cycle");
        var steps = _chain.Skip(start).Select(s => $"{InputText.Show(s.Written)} (line {s.Line})");
        var first = _chain[start];
        var end = node is SpecHoconNode.Substitution ? $" -> {InputText.Show(first.Written)} again" : ", which is inside the value it refers to";
        return new SpecHoconException(first.File, first.Line, $"substitution cycle: {string.Join(" -> ", steps)}{end}");
    }

    private static string? EnvironmentVariable(string name) =>
        name.Length == 0 || name.Contains('=') || name.Contains('\0') ? null : Environment.GetEnvironmentVariable(name);

    private static HoconValue ToAkka(SpecHoconValue value)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        var result = new HoconValue();
        switch (value)
        {
            case SpecHoconValue.Text text:
                result.AppendValue(new HoconLiteral { Value = text.Value });
                break;
            case SpecHoconValue.List list:
                var array = new HoconArray();
                array.AddRange(list.Items.Select(ToAkka));
                result.AppendValue(array);
                break;
            case SpecHoconValue.Object obj:
                var hoconObject = new HoconObject();
                foreach (var (key, field) in obj.Fields)
                    hoconObject.Items.Add(key, ToAkka(field));
                result.AppendValue(hoconObject);
                break;
        }
        return result;
    }
}
