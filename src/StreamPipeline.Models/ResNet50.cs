using StreamPipeline.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StreamPipeline.Models;

/// <summary>
/// The MadryLab <c>robustness</c> library's CIFAR ResNet-50 ("resnet50", robustness/cifar_models/resnet.py): 3×3 stem,
/// no max-pool, Bottleneck blocks [3,4,6,3] with a <c>shortcut</c> projection, global average pool (= the 2048-d
/// representation g(x) that D_R/D_NR match), then <c>linear</c>. Parameter and buffer names equal that module's
/// state_dict keys, so its checkpoints import one to one. The pool is adaptive where robustness uses
/// <c>avg_pool2d(4)</c>: the same for the 32×32 inputs that model is built for.
/// </summary>
public sealed class ResNet50 : ClassifierModel, INormalizedClassifier
{
    public const string ArchitectureName = "resnet50";

    /// <summary>Width of the representation g(x).</summary>
    public const int RepresentationSize = 512 * Bottleneck.Expansion;

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

    public ResNet50(ImageShape shape, int classes, float[]? mean = null, float[]? std = null)
        : base(ArchitectureName, ArchitectureName, shape, classes)
    {
        if (shape.Channels < 1 || shape.Height < 1 || shape.Width < 1)
            throw new ArgumentException($"resnet50 needs a positive image shape, got {shape}", nameof(shape));
        if (classes < 2)
            throw new ArgumentException($"a classifier needs at least 2 classes, got {classes}", nameof(classes));

        conv1 = nn.Conv2d(shape.Channels, 64, 3, stride: 1, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(64);
        long inPlanes = 64;
        layer1 = Bottleneck.Layer(ref inPlanes, 64, 3, stride: 1, torchvisionNames: false);
        layer2 = Bottleneck.Layer(ref inPlanes, 128, 4, stride: 2, torchvisionNames: false);
        layer3 = Bottleneck.Layer(ref inPlanes, 256, 6, stride: 2, torchvisionNames: false);
        layer4 = Bottleneck.Layer(ref inPlanes, 512, 3, stride: 2, torchvisionNames: false);
        linear = nn.Linear(RepresentationSize, classes);
        (this.mean, this.std) = InputNormalization.CreateBuffers(shape, mean, std);
        RegisterComponents();
    }

    public float[] Mean => InputNormalization.ToArray(mean);

    public float[] Std => InputNormalization.ToArray(std);

    protected override void FoldBatchNorm()
    {
        BatchNormFolding.Fold(conv1, bn1);
        foreach (var layer in new[] { layer1, layer2, layer3, layer4 })
            Bottleneck.FoldBatchNorm(layer);
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
