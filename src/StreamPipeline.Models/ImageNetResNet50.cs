using StreamPipeline.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StreamPipeline.Models;

/// <summary>
/// The torchvision-style ResNet-50 that the <c>robustness</c> library uses for ImageNet and Restricted ImageNet
/// ("resnet50-imagenet", robustness/imagenet_models/resnet.py): 7×7/2 stem, 3×3/2 max-pool, Bottleneck blocks
/// [3,4,6,3] with a <c>downsample</c> projection, global average pool (= the 2048-d representation), then <c>fc</c>.
/// Names equal that module's state_dict keys.
/// </summary>
public sealed class ImageNetResNet50 : ClassifierModel, INormalizedClassifier
{
    public const string ArchitectureName = "resnet50-imagenet";

    /// <summary>Width of the representation g(x).</summary>
    public const int RepresentationSize = 512 * Bottleneck.Expansion;

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly Linear fc;

    // Not readonly: Module.to(device) replaces buffer fields with moved copies.
    private Tensor mean;
    private Tensor std;

    public ImageNetResNet50(ImageShape shape, int classes, float[]? mean = null, float[]? std = null)
        : base(ArchitectureName, ArchitectureName, shape, classes)
    {
        if (shape.Channels < 1 || shape.Height < 1 || shape.Width < 1)
            throw new ArgumentException($"resnet50-imagenet needs a positive image shape, got {shape}", nameof(shape));
        if (classes < 2)
            throw new ArgumentException($"a classifier needs at least 2 classes, got {classes}", nameof(classes));

        conv1 = nn.Conv2d(shape.Channels, 64, 7, stride: 2, padding: 3, bias: false);
        bn1 = nn.BatchNorm2d(64);
        long inPlanes = 64;
        layer1 = Bottleneck.Layer(ref inPlanes, 64, 3, stride: 1, torchvisionNames: true);
        layer2 = Bottleneck.Layer(ref inPlanes, 128, 4, stride: 2, torchvisionNames: true);
        layer3 = Bottleneck.Layer(ref inPlanes, 256, 6, stride: 2, torchvisionNames: true);
        layer4 = Bottleneck.Layer(ref inPlanes, 512, 3, stride: 2, torchvisionNames: true);
        fc = nn.Linear(RepresentationSize, classes);
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
        using var p1 = nn.functional.max_pool2d(r1, kernel_size: 3, stride: 2, padding: 1);
        using var l1 = layer1.call(p1);
        using var l2 = layer2.call(l1);
        using var l3 = layer3.call(l2);
        using var l4 = layer4.call(l3);
        using var pooled = nn.functional.adaptive_avg_pool2d(l4, [1, 1]);
        var representation = pooled.flatten(1);
        var logits = fc.call(representation);
        return (logits, representation);
    }
}
