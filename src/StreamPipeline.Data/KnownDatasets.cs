namespace StreamPipeline.Data;

/// <summary>A dataset the program knows by name: what it takes for granted about it.</summary>
/// <param name="Name">The reference scheme (<c>fashion-mnist:train</c>) and the name of its attack presets (config/presets/NAME.conf).</param>
/// <param name="Shape">Every image's shape.</param>
/// <param name="ClassNames">Labels 0..C-1 by name.</param>
/// <param name="DefaultRoot">Where Debian installs its files, when a package does; null when the reference names the folder.</param>
public sealed record KnownDataset(string Name, ImageShape Shape, IReadOnlyList<string> ClassNames, string? DefaultRoot)
{
    public int Classes => ClassNames.Count;
}

/// <summary>
/// The datasets the program knows by name, each one's facts in one place (as the <c>robustness</c> library's
/// datasets.py keeps them): readers, the bench's default data and the docs take them from here. Attack settings per
/// dataset live in config/presets/NAME.conf.
/// </summary>
public static class KnownDatasets
{
    public const string FashionMnistName = "fashion-mnist";
    public const string Cifar10Name = "cifar10";

    /// <summary>
    /// Fashion-MNIST (Zalando Research): 28×28 grey images, labels named as Zalando names them (the IDX files carry no
    /// names), installed by Debian's <c>dataset-fashion-mnist</c> under /usr/share/datasets/fashion-mnist.
    /// </summary>
    public static KnownDataset FashionMnist { get; } = new(FashionMnistName, new ImageShape(1, 28, 28),
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        "/usr/share/datasets/fashion-mnist");

    /// <summary>CIFAR-10, binary version: 32×32 RGB images, labels named as its <c>batches.meta.txt</c> lists them; the reference names its folder.</summary>
    public static KnownDataset Cifar10 { get; } = new(Cifar10Name, new ImageShape(3, 32, 32),
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
        DefaultRoot: null);

    public static IReadOnlyList<KnownDataset> All { get; } = [FashionMnist, Cifar10];
}
