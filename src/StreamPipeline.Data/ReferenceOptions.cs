using System.Globalization;

namespace StreamPipeline.Data;

/// <summary>The options of a dataset reference after <c>?</c>: <c>name</c> or <c>name=value</c>, joined by <c>&amp;</c>.</summary>
internal sealed class ReferenceOptions
{
    private readonly string _reference;
    private readonly Dictionary<string, string?> _options;

    private ReferenceOptions(string reference, Dictionary<string, string?> options)
    {
        _reference = reference;
        _options = options;
    }

    public static ReferenceOptions Parse(string reference, string? query)
    {
        var options = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (query is not null)
        {
            foreach (var part in query.Split('&'))
            {
                var eq = part.IndexOf('=');
                var name = (eq < 0 ? part : part[..eq]).Trim();
                if (name.Length == 0 || !options.TryAdd(name, eq < 0 ? null : part[(eq + 1)..].Trim()))
                    throw new ArgumentException($"Malformed options '{InputText.Show(query)}' in dataset reference '{InputText.Show(reference)}' (expected name or name=value, joined by &)");
            }
        }
        return new ReferenceOptions(reference, options);
    }

    /// <summary>Refuses any option other than <paramref name="known"/>.</summary>
    public void RequireOnly(params string[] known)
    {
        foreach (var name in _options.Keys)
        {
            if (!known.Contains(name))
                throw new ArgumentException(known.Length == 0
                    ? $"dataset reference '{InputText.Show(_reference)}' takes no options ('{InputText.Show(name)}' given)"
                    : $"dataset reference '{InputText.Show(_reference)}': unknown option '{InputText.Show(name)}' (known: {string.Join(", ", known)})");
        }
    }

    public bool Flag(string name)
    {
        if (!_options.TryGetValue(name, out var value))
            return false;
        return value is null ? true : throw new ArgumentException($"dataset reference '{InputText.Show(_reference)}': option '{InputText.Show(name)}' takes no value");
    }

    /// <summary>The value of <c>name=value</c>; null when the option is absent.</summary>
    public string? Text(string name)
    {
        if (!_options.TryGetValue(name, out var value))
            return null;
        return string.IsNullOrEmpty(value)
            ? throw new ArgumentException($"dataset reference '{InputText.Show(_reference)}': option '{InputText.Show(name)}' needs a value ({InputText.Show(name)}=...)")
            : value;
    }

    public int? Count(string name, int min, int max)
    {
        if (!_options.TryGetValue(name, out var value))
            return null;
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
            throw new ArgumentException($"dataset reference '{InputText.Show(_reference)}': {InputText.Show(name)}={InputText.Show(value)} must be a whole number from {min} to {max}");
        return n;
    }
}
