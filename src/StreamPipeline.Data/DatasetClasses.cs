namespace StreamPipeline.Data;

/// <summary>Class-name lists: the built-in names of Fashion-MNIST and CIFAR-10, numbered names for data that has none, and the check every list passes.</summary>
public static class DatasetClasses
{
    /// <summary>Fashion-MNIST's labels 0..9, as Zalando Research names them (the IDX files carry no names).</summary>
    public static IReadOnlyList<string> FashionMnist { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>CIFAR-10's labels 0..9, as its <c>batches.meta.txt</c> lists them.</summary>
    public static IReadOnlyList<string> Cifar10 { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>The names "0" … "C-1", for a dataset whose classes have no names.</summary>
    public static IReadOnlyList<string> Numbered(int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        return Enumerable.Range(0, classes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
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
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i];
            if (string.IsNullOrEmpty(name))
                throw new DataFormatException($"{source}: class {i} has no name.");
            if (!seen.Add(name))
                throw new DataFormatException($"{source}: class name '{name}' is given twice (classes {names.ToList().IndexOf(name)} and {i}).");
        }
        return names.Select(n => n!).ToArray();
    }
}
