namespace StreamPipeline.Data;

/// <summary>Class counts and names: numbered names for data that has none, and the checks every count passes (the known datasets' names: <see cref="KnownDatasets"/>).</summary>
public static class DatasetClasses
{
    /// <summary>
    /// The most classes a dataset may have: ImageNet-21k has 21,841; a count far above this is a damaged or hostile
    /// label, and is refused before anything (names, a classifier layer) is allocated for it.
    /// </summary>
    public const int MaxClasses = 100_000;

    /// <summary>The names "0" … "C-1", for a dataset whose classes have no names.</summary>
    public static IReadOnlyList<string> Numbered(int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classes, MaxClasses);
        return Enumerable.Range(0, classes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>
    /// Refuses a declared class count (a ClassLabel's <c>num_classes</c>, <c>?classes=N</c>) above <see cref="MaxClasses"/>
    /// or below 2; <paramref name="source"/> names where it was declared.
    /// </summary>
    /// <exception cref="DataFormatException">The count is not a usable number of classes.</exception>
    public static int CheckedCount(long classes, string source)
    {
        if (classes > MaxClasses)
            throw new DataFormatException($"{source}: {classes:N0} classes; a dataset may have at most {MaxClasses:N0}");
        if (classes < 2)
            throw new DataFormatException($"{source}: {classes} class(es); a classifier needs at least 2");
        return (int)classes;
    }

    /// <summary>
    /// The class count labels without names imply: C = largest label + 1, and only when every class 0..C-1 occurs — a
    /// gap (one stray 999999 among 0..9, or a class with no example) is refused naming the first missing class, rather
    /// than silently widening the model by classes it never sees. <paramref name="declare"/> says how to declare the
    /// classes when the gap is meant. Negative labels are the caller's to refuse first.
    /// </summary>
    /// <exception cref="DataFormatException">No labels, fewer than 2 classes, a label of <see cref="MaxClasses"/> or more, or a gap.</exception>
    public static int FromLabels(IReadOnlyCollection<long> labels, string source, string declare)
    {
        if (labels.Count == 0)
            throw new DataFormatException($"{source}: no labels");
        var max = labels.Max();
        if (max >= MaxClasses)
            throw new DataFormatException(
                $"{source}: label {max:N0} would make {max + 1:N0} classes; a dataset may have at most {MaxClasses:N0}");
        var classes = (int)max + 1;
        if (classes < 2)
            throw new DataFormatException($"{source}: every label is {max}; a classifier needs at least 2 classes");
        var seen = new bool[classes];
        foreach (var label in labels)
            seen[label] = true;
        var missing = Enumerable.Range(0, classes).Where(c => !seen[c]).ToArray();
        if (missing.Length > 0)
            throw new DataFormatException(
                $"{source}: labels are not 0..{classes - 1}: {max} occurs but {Ranges(missing)} never do{(missing.Length == 1 ? "es" : "")}; " +
                $"if that is meant, {declare}");
        return classes;
    }

    /// <summary>"3, 10..41": the first few runs of <paramref name="values"/> (ascending), then how many more.</summary>
    private static string Ranges(int[] values)
    {
        const int Shown = 5;
        var parts = new List<string>();
        var i = 0;
        while (i < values.Length && parts.Count < Shown)
        {
            var j = i;
            while (j + 1 < values.Length && values[j + 1] == values[j] + 1) j++;
            parts.Add(i == j ? $"{values[i]}" : $"{values[i]}..{values[j]}");
            i = j + 1;
        }
        var text = string.Join(", ", parts);
        return i < values.Length ? $"{text} and {values.Length - i:N0} more" : text;
    }

    /// <summary>
    /// Refuses an empty list, a null or empty name, and a name given twice: Hugging Face <c>datasets</c> refuses duplicated
    /// ClassLabel names, and a name must say which label it is. <paramref name="source"/> names the origin in the message.
    /// </summary>
    /// <exception cref="DataFormatException">The list is not usable as class names.</exception>
    public static IReadOnlyList<string> Checked(IReadOnlyList<string?>? names, string source)
    {
        if (names is null || names.Count == 0)
            throw new DataFormatException($"{source}: no class names.");
        if (names.Count > MaxClasses)
            throw new DataFormatException($"{source}: {names.Count:N0} class names; a dataset may have at most {MaxClasses:N0} classes.");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i];
            if (string.IsNullOrEmpty(name))
                throw new DataFormatException($"{source}: class {i} has no name.");
            if (!seen.Add(name))
                throw new DataFormatException($"{source}: class name '{InputText.Show(name)}' is given twice (classes {names.ToList().IndexOf(name)} and {i}).");
        }
        return names.Select(n => n!).ToArray();
    }
}
