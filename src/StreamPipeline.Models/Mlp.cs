using StreamPipeline.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StreamPipeline.Models;

/// <summary>
/// A fully connected network ("mlp"): flatten - fc512 - fc256 (= g(x)) - fc(classes), ReLU between; the transfer
/// study's architecture without convolutions.
/// </summary>
public sealed class Mlp : ClassifierModel, INormalizedClassifier
{
    public const string ArchitectureName = "mlp";

    /// <summary>Width of the first hidden layer.</summary>
    public const int HiddenSize = 512;

    /// <summary>Width of the representation g(x).</summary>
    public const int RepresentationSize = 256;

    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly Linear fc3;

    // Not readonly: Module.to(device) replaces buffer fields with moved copies.
    private Tensor mean;
    private Tensor std;

    public Mlp(ImageShape shape, int classes, float[]? mean = null, float[]? std = null)
        : base(ArchitectureName, ArchitectureName, shape, classes)
    {
        if (shape.Channels < 1 || shape.Height < 1 || shape.Width < 1)
            throw new ArgumentException($"mlp needs a positive image shape, got {shape}", nameof(shape));
        if (classes < 2)
            throw new ArgumentException($"a classifier needs at least 2 classes, got {classes}", nameof(classes));

        fc1 = nn.Linear(shape.Size, HiddenSize);
        fc2 = nn.Linear(HiddenSize, RepresentationSize);
        fc3 = nn.Linear(RepresentationSize, classes);
        (this.mean, this.std) = InputNormalization.CreateBuffers(shape, mean, std);
        RegisterComponents();
    }

    public float[] Mean => InputNormalization.ToArray(mean);

    public float[] Std => InputNormalization.ToArray(std);

    public override (Tensor Logits, Tensor Representation) ForwardWithRepresentation(Tensor input)
    {
        using var x0 = InputNormalization.Apply(input, mean, std);
        using var flat = x0.flatten(1);
        using var h1 = fc1.call(flat);
        using var r1 = nn.functional.relu(h1);
        using var h2 = fc2.call(r1);
        var representation = nn.functional.relu(h2);
        var logits = fc3.call(representation);
        return (logits, representation);
    }
}
