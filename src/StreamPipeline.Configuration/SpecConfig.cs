using System.Globalization;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using StreamPipeline.Data;

namespace StreamPipeline.Configuration;

/// <summary>
/// The one strict way the program reads a spec (job, experiment, presets, attack defaults): HOCON text parsed under
/// guard, every key checked against the documented defaults file (an unknown or misspelt key is refused, never
/// ignored), values read with one-line errors that name the file and the setting. Immutable.
/// </summary>
public sealed class SpecConfig
{
    private readonly Config _merged;

    private SpecConfig(Config user, Config merged, string source, string kind)
    {
        User = user;
        _merged = merged;
        Source = source;
        Kind = kind;
    }

    /// <summary>Where the spec came from, for messages (a path, or a description such as <c>(flags)</c>).</summary>
    public string Source { get; }

    /// <summary>What the spec is, for messages: <c>job spec</c>, <c>experiment spec</c>, ...</summary>
    public string Kind { get; }

    /// <summary>What the file itself says, without the defaults.</summary>
    public Config User { get; }

    /// <summary>
    /// Reads <paramref name="user"/> over <paramref name="defaults"/>, refusing any key that is neither in the defaults
    /// nor in <paramref name="extraKnown"/> (keys documented without a default).
    /// </summary>
    public static SpecConfig Over(Config user, Config defaults, string source, string kind, IReadOnlyCollection<string>? extraKnown = null)
    {
        var known = KnownPaths(defaults);
        foreach (var path in extraKnown ?? [])
            known.Add(path);
        if (!user.IsEmpty)
            RejectUnknown(user.Root.GetObject(), "", known, LeafPaths(defaults, known), source, kind);
        return new SpecConfig(user, user.WithFallback(defaults), source, kind);
    }

    /// <summary>Reads a spec file (<paramref name="path"/> must exist) over <paramref name="defaults"/>.</summary>
    public static SpecConfig Load(string path, Config defaults, string kind, IReadOnlyCollection<string>? extraKnown = null)
    {
        if (Directory.Exists(path))
            throw new ArgumentException($"{kind} {InputText.Show(path)}: is a directory, not a spec file");
        if (!File.Exists(path))
            throw new ArgumentException($"{kind} {InputText.Show(path)}: file not found");
        return Over(ParseFile(path, kind), defaults, path, kind, extraKnown);
    }

    /// <summary>Parses a spec file's HOCON under guard (<see cref="SpecHocon"/>); errors are one-line <see cref="ArgumentException"/>s naming the file.</summary>
    public static Config ParseFile(string path, string kind) => Guarded(kind, () => SpecHocon.ParseFile(path));

    /// <summary>Parses HOCON text under guard; <paramref name="source"/> names it in errors (and anchors relative includes).</summary>
    public static Config ParseText(string text, string source, string kind) =>
        string.IsNullOrWhiteSpace(text) ? Config.Empty : Guarded(kind, () => SpecHocon.Parse(text, source));

    private static Config Guarded(string kind, Func<Config> parse)
    {
        try
        {
            return parse();
        }
        catch (ArgumentException e) when (e.Message.StartsWith("spec ", StringComparison.Ordinal))
        {
            // SpecHocon names the file as "spec FILE: ..."; say which kind of spec it is.
            throw new ArgumentException(kind + e.Message["spec".Length..], e);
        }
    }

    /// <summary>Every path of <paramref name="config"/>, objects and leaves (<c>attack</c>, <c>attack.eps</c>, ...).</summary>
    public static HashSet<string> KnownPaths(Config config)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        if (!config.IsEmpty)
            Collect(config.Root.GetObject(), "", paths);
        return paths;
    }

    /// <summary>The same spec seen from <paramref name="path"/> (e.g. a construction's block); keys were already checked.</summary>
    public SpecConfig Section(string path) =>
        new(User.HasPath(path) ? User.GetConfig(path) : Config.Empty, _merged.HasPath(path) ? _merged.GetConfig(path) : Config.Empty, Source, Kind);

    /// <summary>True when the file itself (not the defaults) sets <paramref name="path"/>.</summary>
    public bool Sets(string path) => !User.IsEmpty && User.HasPath(path);

    public bool Has(string path) => _merged.HasPath(path);

    /// <summary>The value at <paramref name="path"/> (from the file or the defaults), parsed; missing or unparsable → one line.</summary>
    public T Get<T>(string path, Func<string, T> parse)
    {
        var text = Scalar<T>(path);
        if (text is null)
            throw Error($"{path} is missing (and has no default)");
        return Parse(path, text, parse);
    }

    /// <summary>A value the user must give: in the file, or with <paramref name="flag"/>.</summary>
    public T Required<T>(string path, string flag, Func<string, T> parse)
    {
        var text = Scalar<T>(path);
        if (string.IsNullOrWhiteSpace(text))
            throw Error($"{path} is required: set it in the spec file or with {flag}");
        return Parse(path, text, parse);
    }

    public int Int(string path) => Get(path, ParseInt);

    public long Long(string path) => Get(path, ParseLong);

    public double Double(string path) => Get(path, ParseDouble);

    public bool Bool(string path) => Get(path, ParseBool);

    public string String(string path) => Get(path, s => s);

    /// <summary>"all" (null) or a positive count.</summary>
    public long? CountOrAll(string path) => Get(path, ParseCountOrAll);

    /// <summary>A list of strings; a plain string is taken as a comma-separated list, as on the command line.</summary>
    public string[] List(string path)
    {
        var value = _merged.GetValue(path);
        if (value is null)
            return [];
        if (value.IsString())
            return value.GetString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        try
        {
            return _merged.GetStringList(path).ToArray();
        }
        catch (Exception e) when (e is not ArgumentException)
        {
            throw Error($"{path} must be a list, e.g. [\"cpu\"]");
        }
    }

    /// <summary>A list of whole numbers.</summary>
    public int[] IntList(string path) => List(path).Select(item => Parse(path, item, ParseInt)).ToArray();

    /// <summary>An error about this spec: <c>KIND SOURCE: message</c>, one line.</summary>
    public ArgumentException Error(string message) => new($"{Kind} {InputText.Show(Source)}: {message}");

    public static int ParseInt(string text) => int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);

    public static long ParseLong(string text) => long.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);

    public static double ParseDouble(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    public static bool ParseBool(string text) => text.Trim().ToLowerInvariant() switch
    {
        "true" or "on" or "yes" => true,
        "false" or "off" or "no" => false,
        _ => throw new FormatException(),
    };

    public static long? ParseCountOrAll(string text)
    {
        if (text.Trim().Equals("all", StringComparison.OrdinalIgnoreCase))
            return null;
        var n = ParseLong(text);
        return n > 0 ? n : throw new ArgumentException("must be positive (or \"all\")");
    }

    /// <summary>
    /// The text of the single value at <paramref name="path"/>, or null when there is none; a list or an object where
    /// one value of type <typeparamref name="T"/> belongs is refused here, naming what was found, for every kind of value.
    /// </summary>
    private string? Scalar<T>(string path)
    {
        if (!_merged.HasPath(path))
            return null;
        var value = _merged.GetValue(path);
        if (value is null)
            return null;
        if (value.IsArray())
            throw Error($"{path} must be {Expected<T>()}, got a list");
        if (value.IsObject())
            throw Error($"{path} must be {Expected<T>()}, got an object");
        return value.GetString();
    }

    /// <summary>What a value of type <typeparamref name="T"/> is, in a user's words.</summary>
    private static string Expected<T>() => (Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T)) switch
    {
        var t when t == typeof(int) || t == typeof(long) => "a whole number",
        var t when t == typeof(double) || t == typeof(float) => "a number",
        var t when t == typeof(bool) => "true or false",
        _ => "a single value",
    };

    private T Parse<T>(string path, string text, Func<string, T> parse)
    {
        var shown = InputText.Show(text);
        try
        {
            return parse(text);
        }
        catch (ArgumentException e)
        {
            throw Error(e.Message.Contains(path, StringComparison.Ordinal) ? e.Message
                : e.Message.StartsWith("must ", StringComparison.Ordinal) ? $"{path} = {shown} {e.Message}"
                : $"{path} = '{shown}': {e.Message}");
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw Error($"{path} must be {Expected<T>()}, got '{shown}'");
        }
    }

    private static void RejectUnknown(HoconObject node, string prefix, HashSet<string> known, HashSet<string> leaves, string source, string kind)
    {
        foreach (var (key, value) in node.Items)
        {
            var path = prefix + key;
            if (!known.Contains(path))
                throw new ArgumentException($"{kind} {InputText.Show(source)}: unknown setting '{InputText.Show(path)}' (the settings and their defaults are documented in config/)");
            // An object where a single value belongs is not looked into: reading the value names the misfit.
            if (value.IsObject() && !leaves.Contains(path))
                RejectUnknown(value.GetObject(), path + ".", known, leaves, source, kind);
        }
    }

    /// <summary>The known paths that hold one value: a leaf of the defaults, or a documented key with no default and nothing under it.</summary>
    private static HashSet<string> LeafPaths(Config defaults, HashSet<string> known)
    {
        var objects = new HashSet<string>(StringComparer.Ordinal);
        if (!defaults.IsEmpty)
            CollectObjects(defaults.Root.GetObject(), "", objects);
        return known.Where(path => !objects.Contains(path) && !known.Any(k => k.StartsWith(path + ".", StringComparison.Ordinal)))
            .ToHashSet(StringComparer.Ordinal);
    }

    private static void CollectObjects(HoconObject node, string prefix, HashSet<string> into)
    {
        foreach (var (key, value) in node.Items)
        {
            if (!value.IsObject())
                continue;
            into.Add(prefix + key);
            CollectObjects(value.GetObject(), prefix + key + ".", into);
        }
    }

    private static void Collect(HoconObject node, string prefix, HashSet<string> into)
    {
        foreach (var (key, value) in node.Items)
        {
            var path = prefix + key;
            into.Add(path);
            if (value.IsObject())
                Collect(value.GetObject(), path + ".", into);
        }
    }

}
