using StreamPipeline.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StreamPipeline.Models;

/// <summary>
/// CIFAR-style ResNet-18 ("resnet18"): 3×3 stem, no max-pool, BasicBlocks [2,2,2,2] of widths 64..512,
/// global average pool (= the 512-d representation g(x)), then a linear classifier.
/// </summary>
public sealed class ResNet18 : ClassifierModel, INormalizedClassifier
{
    public const string ArchitectureName = "resnet18";

    /// <summary>Width of the representation g(x).</summary>
    public const int RepresentationSize = 512;

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly Linear linear;

    // Not readonly: Module.to(device) replaces buffer fields with moved copies.
    private Tensor mean;
    private Tensor std;

    public ResNet18(ImageShape shape, int classes, float[]? mean = null, float[]? std = null)
        : base(ArchitectureName, ArchitectureName, shape, classes)
    {
        if (shape.Channels < 1 || shape.Height < 1 || shape.Width < 1)
            throw new ArgumentException($"resnet18 needs a positive image shape, got {shape}", nameof(shape));
        if (classes < 2)
            throw new ArgumentException($"a classifier needs at least 2 classes, got {classes}", nameof(classes));

        conv1 = nn.Conv2d(shape.Channels, 64, 3, stride: 1, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(64);
        long inPlanes = 64;
        layer1 = Layer(ref inPlanes, 64, stride: 1);
        layer2 = Layer(ref inPlanes, 128, stride: 2);
        layer3 = Layer(ref inPlanes, 256, stride: 2);
        layer4 = Layer(ref inPlanes, 512, stride: 2);
        linear = nn.Linear(RepresentationSize, classes);
        (this.mean, this.std) = InputNormalization.CreateBuffers(shape, mean, std);
        RegisterComponents();
    }

    public float[] Mean => InputNormalization.ToArray(mean);

    public float[] Std => InputNormalization.ToArray(std);

    private static Sequential Layer(ref long inPlanes, long planes, long stride)
    {
        var first = new BasicBlock("BasicBlock", inPlanes, planes, stride);
        var second = new BasicBlock("BasicBlock", planes, planes, 1);
        inPlanes = planes;
        return nn.Sequential(("0", first), ("1", second));
    }

    protected override void FoldBatchNorm()
    {
        BatchNormFolding.Fold(conv1, bn1);
        foreach (var layer in new[] { layer1, layer2, layer3, layer4 })
            BasicBlock.FoldBatchNorm(layer);
    }

    public override (Tensor Logits, Tensor Representation) ForwardWithRepresentation(Tensor input)
    {
        using var x0 = Normalize(input, mean, std);
        using var c1 = conv1.call(x0);
        using var b1 = Transforms.FoldBatchNorm ? c1.alias() : bn1.call(c1);
        using var r1 = nn.functional.relu(b1);
        using var l1 = layer1.call(r1);
        using var l2 = layer2.call(l1);
        using var l3 = layer3.call(l2);
        using var l4 = layer4.call(l3);
        using var pooled = nn.functional.adaptive_avg_pool2d(l4, [1, 1]);
        var representation = pooled.flatten(1);
        var logits = linear.call(representation);
        return (logits, representation);
    }
}
