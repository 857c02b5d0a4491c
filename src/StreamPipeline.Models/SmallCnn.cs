using StreamPipeline.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StreamPipeline.Models;

/// <summary>
/// The small two-conv CNN ("small-cnn", the Fashion-MNIST default): conv32-pool-conv64-pool-fc128 (= g(x)) - fc(classes);
/// "small-cnn-wide" is the same layout at twice the width (conv64-pool-conv128-pool-fc256), for the transfer study.
/// </summary>
public sealed class SmallCnn : ClassifierModel, INormalizedClassifier
{
    public const string ArchitectureName = "small-cnn";

    public const string WideArchitectureName = "small-cnn-wide";

    /// <summary>Width of the representation g(x).</summary>
    public const int RepresentationSize = 128;

    /// <summary>Width of the representation g(x) of small-cnn-wide.</summary>
    public const int WideRepresentationSize = 2 * RepresentationSize;

    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Linear fc1;
    private readonly Linear fc2;

    // Not readonly: Module.to(device) replaces buffer fields with moved copies.
    private Tensor mean;
    private Tensor std;

    public SmallCnn(ImageShape shape, int classes, float[]? mean = null, float[]? std = null)
        : this(ArchitectureName, widthFactor: 1, shape, classes, mean, std)
    {
    }

    /// <summary>A small-cnn-wide model: every layer of small-cnn at twice its width.</summary>
    public static SmallCnn Wide(ImageShape shape, int classes, float[]? mean = null, float[]? std = null) =>
        new(WideArchitectureName, widthFactor: 2, shape, classes, mean, std);

    private SmallCnn(string architecture, int widthFactor, ImageShape shape, int classes, float[]? mean, float[]? std)
        : base(architecture, architecture, shape, classes)
    {
        if (shape.Channels < 1 || shape.Height < 4 || shape.Width < 4 || shape.Height % 4 != 0 || shape.Width % 4 != 0)
            throw new ArgumentException($"{architecture} needs images whose height and width are positive multiples of 4, got {shape}", nameof(shape));
        if (classes < 2)
            throw new ArgumentException($"a classifier needs at least 2 classes, got {classes}", nameof(classes));

        long channels1 = 32 * widthFactor, channels2 = 64 * widthFactor, representation = RepresentationSize * widthFactor;
        conv1 = nn.Conv2d(shape.Channels, channels1, 3, padding: 1);
        conv2 = nn.Conv2d(channels1, channels2, 3, padding: 1);
        fc1 = nn.Linear(channels2 * (shape.Height / 4) * (shape.Width / 4), representation);
        fc2 = nn.Linear(representation, classes);
        (this.mean, this.std) = InputNormalization.CreateBuffers(shape, mean, std);
        RegisterComponents();
    }

    public float[] Mean => InputNormalization.ToArray(mean);

    public float[] Std => InputNormalization.ToArray(std);

    public override (Tensor Logits, Tensor Representation) ForwardWithRepresentation(Tensor input)
    {
        using var x0 = Normalize(input, mean, std);
        // max-pool, then ReLU in place on the pooled tensor: ReLU and max commute exactly (values, the element each window
        // picks, and so the gradients), and the ReLU touches a quarter of the elements; the pooled tensor is no one
        // else's (max-pool's gradient needs its input and indices, not its output).
        using var c1 = conv1.call(x0);
        using var p1 = nn.functional.max_pool2d(c1, 2);
        p1.relu_();
        using var c2 = conv2.call(p1);
        using var p2 = nn.functional.max_pool2d(c2, 2);
        p2.relu_();
        using var flat = p2.flatten(1);
        var representation = fc1.call(flat);
        representation.relu_();
        var logits = fc2.call(representation);
        return (logits, representation);
    }
}
