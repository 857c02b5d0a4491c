namespace StreamPipeline.Data.Constructions;

/// <summary>
/// The two-way map between an enum's values and their spelling in specs, on the command line, in JSON and in file
/// metadata. Every value has exactly one name; parsing also takes the listed aliases, case-insensitively.
/// </summary>
public sealed class NameMap<TEnum> where TEnum : struct, Enum
{
    private readonly Dictionary<TEnum, string> _names;
    private readonly Dictionary<string, TEnum> _values;

    public NameMap(string what, IReadOnlyDictionary<TEnum, string> names, IReadOnlyDictionary<string, TEnum>? aliases = null)
    {
        var missing = Enum.GetValues<TEnum>().Where(v => !names.ContainsKey(v)).ToArray();
        if (missing.Length > 0)
            throw new ArgumentException($"{what}: no name for {string.Join(", ", missing)}");
        What = what;
        _names = new Dictionary<TEnum, string>(names);
        _values = names.ToDictionary(p => p.Value, p => p.Key, StringComparer.OrdinalIgnoreCase);
        foreach (var (alias, value) in aliases ?? new Dictionary<string, TEnum>())
            _values.Add(alias, value);
        Choices = string.Join("|", _names.Values);
    }

    /// <summary>What the values are, for messages, e.g. <c>construction</c>.</summary>
    public string What { get; }

    /// <summary>The names joined by <c>|</c>, for messages and help text, e.g. <c>det|rand|robust|nonrobust</c>.</summary>
    public string Choices { get; }

    /// <summary>The names, in the enum's order.</summary>
    public IReadOnlyCollection<string> All => _names.Values;

    public string Of(TEnum value) =>
        _names.TryGetValue(value, out var name) ? name : throw new ArgumentOutOfRangeException(nameof(value), value, $"not a known {What}");

    /// <summary>Parses a name (or alias); throws <see cref="ArgumentException"/> with one line listing the choices.</summary>
    public TEnum Parse(string text) =>
        TryParse(text, out var value) ? value : throw new ArgumentException($"{What} '{InputText.Show(text)}' is not one of {Choices}");

    public bool TryParse(string? text, out TEnum value)
    {
        value = default;
        return text is not null && _values.TryGetValue(text.Trim(), out value);
    }
}
