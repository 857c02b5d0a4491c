using StreamPipeline.Data;

namespace StreamPipeline.Models;

/// <summary>Creates the built-in classifiers by their architecture name (<c>small-cnn</c>, <c>small-cnn-wide</c>, <c>mlp</c>, <c>resnet18</c>, <c>resnet50</c>, <c>resnet50-imagenet</c>).</summary>
public static class ModelFactory
{
    /// <summary>The architecture names <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Architectures { get; } =
        [SmallCnn.ArchitectureName, ResNet.Cifar18, SmallCnn.WideArchitectureName, Mlp.ArchitectureName, ResNet.Cifar50, ResNet.ImageNet50];

    /// <summary>
    /// A freshly initialised model (weights drawn from torch's global generator, on the CPU).
    /// <paramref name="mean"/>/<paramref name="std"/> (one value per channel) normalise the [0,1] input; null means none.
    /// </summary>
    public static ClassifierModel Create(string architecture, ImageShape shape, int classes, float[]? mean = null, float[]? std = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var name = architecture?.Trim().ToLowerInvariant();
        return name switch
        {
            SmallCnn.ArchitectureName => new SmallCnn(shape, classes, mean, std),
            ResNet.Cifar18 or ResNet.Cifar50 or ResNet.ImageNet50 => new ResNet(name, shape, classes, mean, std),
            SmallCnn.WideArchitectureName => SmallCnn.Wide(shape, classes, mean, std),
            Mlp.ArchitectureName => new Mlp(shape, classes, mean, std),
            _ => throw new ArgumentException(
                $"unknown model architecture '{InputText.Show(architecture)}'; known: {string.Join(", ", Architectures)}", nameof(architecture)),
        };
    }
}
