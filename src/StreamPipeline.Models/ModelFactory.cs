using StreamPipeline.Data;

namespace StreamPipeline.Models;

/// <summary>Creates the built-in classifiers by their architecture name (<c>small-cnn</c>, <c>small-cnn-wide</c>, <c>mlp</c>, <c>resnet18</c>, <c>resnet50</c>, <c>resnet50-imagenet</c>).</summary>
public static class ModelFactory
{
    /// <summary>The architecture names <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Architectures { get; } =
        [SmallCnn.ArchitectureName, ResNet18.ArchitectureName, SmallCnn.WideArchitectureName, Mlp.ArchitectureName, ResNet50.ArchitectureName, ImageNetResNet50.ArchitectureName];

    /// <summary>
    /// A freshly initialised model (weights drawn from torch's global generator, on the CPU).
    /// <paramref name="mean"/>/<paramref name="std"/> (one value per channel) normalise the [0,1] input; null means none.
    /// </summary>
    public static ClassifierModel Create(string architecture, ImageShape shape, int classes, float[]? mean = null, float[]? std = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return architecture?.Trim().ToLowerInvariant() switch
        {
            SmallCnn.ArchitectureName => new SmallCnn(shape, classes, mean, std),
            ResNet18.ArchitectureName => new ResNet18(shape, classes, mean, std),
            SmallCnn.WideArchitectureName => SmallCnn.Wide(shape, classes, mean, std),
            Mlp.ArchitectureName => new Mlp(shape, classes, mean, std),
            ResNet50.ArchitectureName => new ResNet50(shape, classes, mean, std),
            ImageNetResNet50.ArchitectureName => new ImageNetResNet50(shape, classes, mean, std),
            _ => throw new ArgumentException(
                $"unknown model architecture '{InputText.Show(architecture)}'; known: {string.Join(", ", Architectures)}", nameof(architecture)),
        };
    }
}
