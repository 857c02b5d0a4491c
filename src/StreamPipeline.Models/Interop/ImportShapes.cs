using StreamPipeline.Data;
using static TorchSharp.torch;

namespace StreamPipeline.Models.Interop;

/// <summary>
/// Works out the class count and input shape of imported weights when the user did not give them: classes from the
/// classifier's weight, channels from the first convolution, the side from the architecture's usual input (CIFAR 32,
/// ImageNet 224) or, for small-cnn, from the width of its first fully connected layer.
/// </summary>
internal static class ImportShapes
{
    public static (ImageShape Shape, int Classes) Infer(
        string architecture, IReadOnlyDictionary<string, Tensor> weights, float[]? mean, ImageShape? shape, int? classes, string path)
    {
        var (classifier, side) = architecture switch
        {
            SmallCnn.ArchitectureName => ("fc2.weight", (int?)null),
            ResNet.Cifar18 => ("linear.weight", 32),
            ResNet.Cifar50 => ("linear.weight", 32),
            ResNet.ImageNet50 => ("fc.weight", 224),
            _ => throw new ArgumentException($"import does not know architecture '{InputText.Show(architecture)}'; known: {string.Join(", ", ModelFactory.Architectures)}"),
        };

        var classesFrom = classes is null ? $"{path}: the classifier '{classifier}'" : "--classes";
        if (classes is null)
        {
            if (!weights.TryGetValue(classifier, out var w) || w.ndim != 2)
                throw new InvalidDataException($"{path}: cannot tell the number of classes of this {architecture}: no 2-D '{classifier}' (pass --classes)");
            classes = checked((int)w.shape[0]);
        }
        DatasetClasses.CheckedCount(classes.Value, classesFrom);
        if (shape is not null) return (shape, classes.Value);

        int channels;
        if (weights.TryGetValue("conv1.weight", out var conv) && conv.ndim == 4) channels = checked((int)conv.shape[1]);
        else if (mean is not null) channels = mean.Length;
        else throw new InvalidDataException($"{path}: cannot tell the input channels: no 4-D 'conv1.weight' (pass --input-shape C,H,W)");

        if (side is null)
        {
            // small-cnn: fc1 takes 64 × (H/4) × (W/4) features; only a square image is a guess worth making.
            if (!weights.TryGetValue("fc1.weight", out var fc1) || fc1.ndim != 2 || fc1.shape[1] % 64 != 0)
                throw new InvalidDataException($"{path}: cannot tell the input size of this small-cnn: no 2-D 'fc1.weight' with a multiple of 64 inputs (pass --input-shape C,H,W)");
            var cells = fc1.shape[1] / 64;
            var root = (long)Math.Round(Math.Sqrt(cells));
            if (root * root != cells)
                throw new InvalidDataException($"{path}: the small-cnn's fc1 takes {fc1.shape[1]} features, not those of a square image (pass --input-shape C,H,W)");
            side = checked((int)(4 * root));
        }
        return (new ImageShape(channels, side.Value, side.Value), classes.Value);
    }
}
