using StreamPipeline.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StreamPipeline.Models;

/// <summary>
/// The small two-conv CNN ("small-cnn", the Fashion-MNIST default): conv32-pool-conv64-pool-fc128 (= g(x)) - fc(classes).
/// </summary>
public sealed class SmallCnn : ClassifierModel, INormalizedClassifier
{
    public const string ArchitectureName = "small-cnn";

    /// <summary>Width of the representation g(x).</summary>
    public const int RepresentationSize = 128;

    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Linear fc1;
    private readonly Linear fc2;

    // Not readonly: Module.to(device) replaces buffer fields with moved copies.
    private Tensor mean;
    private Tensor std;

    public SmallCnn(ImageShape shape, int classes, float[]? mean = null, float[]? std = null)
        : base(ArchitectureName, ArchitectureName, shape, classes)
    {
        if (shape.Channels < 1 || shape.Height < 4 || shape.Width < 4 || shape.Height % 4 != 0 || shape.Width % 4 != 0)
            throw new ArgumentException($"small-cnn needs images whose height and width are positive multiples of 4, got {shape}", nameof(shape));
        if (classes < 2)
            throw new ArgumentException($"a classifier needs at least 2 classes, got {classes}", nameof(classes));

        conv1 = nn.Conv2d(shape.Channels, 32, 3, padding: 1);
        conv2 = nn.Conv2d(32, 64, 3, padding: 1);
        fc1 = nn.Linear(64L * (shape.Height / 4) * (shape.Width / 4), RepresentationSize);
        fc2 = nn.Linear(RepresentationSize, classes);
        (this.mean, this.std) = InputNormalization.CreateBuffers(shape, mean, std);
        RegisterComponents();
    }

    public float[] Mean => InputNormalization.ToArray(mean);

    public float[] Std => InputNormalization.ToArray(std);

    public override (Tensor Logits, Tensor Representation) ForwardWithRepresentation(Tensor input)
    {
        using var x0 = InputNormalization.Apply(input, mean, std);
        using var c1 = conv1.forward(x0);
        using var r1 = nn.functional.relu(c1);
        using var p1 = nn.functional.max_pool2d(r1, 2);
        using var c2 = conv2.forward(p1);
        using var r2 = nn.functional.relu(c2);
        using var p2 = nn.functional.max_pool2d(r2, 2);
        using var flat = p2.flatten(1);
        using var h = fc1.forward(flat);
        var representation = nn.functional.relu(h);
        var logits = fc2.forward(representation);
        return (logits, representation);
    }
}
