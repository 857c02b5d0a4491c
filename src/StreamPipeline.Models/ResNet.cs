using StreamPipeline.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StreamPipeline.Models;

/// <summary>
/// The ResNet family, one class parameterised by its <see cref="ResNetLayout"/> (as TorchVision's
/// <c>ResNet(block, layers, …)</c>): a stem, four stages of residual blocks of widths 64..512, a global average pool (=
/// the representation g(x) that D_R/D_NR match) and a linear head. Three layouts are built in:
/// <list type="bullet">
/// <item><c>resnet18</c>: CIFAR-style, 3×3 stem, no max-pool, BasicBlocks [2,2,2,2], head <c>linear</c> (512-d g(x)).</item>
/// <item><c>resnet50</c>: the MadryLab <c>robustness</c> library's CIFAR ResNet-50 (robustness/cifar_models/resnet.py):
/// 3×3 stem, no max-pool, Bottlenecks [3,4,6,3] with a <c>shortcut</c> projection, head <c>linear</c> (2048-d g(x)). The
/// pool is adaptive where robustness uses <c>avg_pool2d(4)</c>: the same for the 32×32 inputs that model is built for.</item>
/// <item><c>resnet50-imagenet</c>: the torchvision-style ResNet-50 robustness uses for ImageNet and Restricted ImageNet
/// (robustness/imagenet_models/resnet.py): 7×7/2 stem, 3×3/2 max-pool, Bottlenecks [3,4,6,3] with a <c>downsample</c>
/// projection, head <c>fc</c>.</item>
/// </list>
/// Parameter and buffer names equal those modules' state_dict keys (plus our <c>mean</c>/<c>std</c>), so their
/// checkpoints import one to one, and checkpoints saved before the family was one class still load.
/// </summary>
public sealed class ResNet : ClassifierModel, INormalizedClassifier
{
    public const string Cifar18 = "resnet18";
    public const string Cifar50 = "resnet50";
    public const string ImageNet50 = "resnet50-imagenet";

    /// <summary>The built-in layouts by architecture name.</summary>
    public static IReadOnlyDictionary<string, ResNetLayout> Layouts { get; } = new Dictionary<string, ResNetLayout>
    {
        [Cifar18] = new(ResNetStem.Cifar, ResNetBlock.Basic, [2, 2, 2, 2], ResNetNames.Cifar),
        [Cifar50] = new(ResNetStem.Cifar, ResNetBlock.Bottleneck, [3, 4, 6, 3], ResNetNames.Cifar),
        [ImageNet50] = new(ResNetStem.ImageNet, ResNetBlock.Bottleneck, [3, 4, 6, 3], ResNetNames.TorchVision),
    };

    private readonly ResNetLayout _layout;
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    // Exactly one is set; the field name is the state_dict key of the head (robustness' CIFAR models: linear; torchvision: fc).
    private readonly Linear? linear;
    private readonly Linear? fc;

    // Not readonly: Module.to(device) replaces buffer fields with moved copies.
    private Tensor mean;
    private Tensor std;

    /// <summary>
    /// Trained channels_last (measured, ResNet-50 at 32×32, batch 64, one thread: 9.1–9.5 against 8.2–8.6 img/s; small-cnn
    /// gained nothing and keeps NCHW).
    /// </summary>
    public override bool TrainsChannelsLast => true;

    public ResNet(string architecture, ImageShape shape, int classes, float[]? mean = null, float[]? std = null)
        : base(architecture, architecture, shape, classes)
    {
        if (!Layouts.TryGetValue(architecture, out var layout))
            throw new ArgumentException($"no ResNet layout named '{InputText.Show(architecture)}'; known: {string.Join(", ", Layouts.Keys)}", nameof(architecture));
        if (shape.Channels < 1 || shape.Height < 1 || shape.Width < 1)
            throw new ArgumentException($"{architecture} needs a positive image shape, got {shape}", nameof(shape));
        if (classes < 2)
            throw new ArgumentException($"a classifier needs at least 2 classes, got {classes}", nameof(classes));
        _layout = layout;

        conv1 = layout.Stem == ResNetStem.ImageNet
            ? nn.Conv2d(shape.Channels, 64, 7, stride: 2, padding: 3, bias: false)
            : nn.Conv2d(shape.Channels, 64, 3, stride: 1, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(64);
        long inPlanes = 64;
        layer1 = Stage(ref inPlanes, 64, layout.Blocks[0], stride: 1);
        layer2 = Stage(ref inPlanes, 128, layout.Blocks[1], stride: 2);
        layer3 = Stage(ref inPlanes, 256, layout.Blocks[2], stride: 2);
        layer4 = Stage(ref inPlanes, 512, layout.Blocks[3], stride: 2);
        var head = nn.Linear(layout.RepresentationSize, classes);
        if (layout.Names == ResNetNames.TorchVision) fc = head;
        else linear = head;
        (this.mean, this.std) = InputNormalization.CreateBuffers(shape, mean, std);
        RegisterComponents();
    }

    /// <summary>Width of the representation g(x) (512 for BasicBlocks, 2048 for Bottlenecks).</summary>
    public int RepresentationSize => _layout.RepresentationSize;

    public float[] Mean => InputNormalization.ToArray(mean);

    public float[] Std => InputNormalization.ToArray(std);

    /// <summary>A stage of <paramref name="count"/> blocks named "0".."count-1"; the first carries the stride.</summary>
    private Sequential Stage(ref long inPlanes, long planes, int count, long stride)
    {
        var blocks = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (var i = 0; i < count; i++)
        {
            var blockStride = i == 0 ? stride : 1;
            nn.Module<Tensor, Tensor> block = _layout.Block == ResNetBlock.Basic
                ? new BasicBlock(nameof(BasicBlock), inPlanes, planes, blockStride)
                : new Bottleneck(inPlanes, planes, blockStride, torchvisionNames: _layout.Names == ResNetNames.TorchVision);
            blocks.Add((i.ToString(System.Globalization.CultureInfo.InvariantCulture), block));
            inPlanes = planes * (_layout.Block == ResNetBlock.Basic ? 1 : Bottleneck.Expansion);
        }
        return nn.Sequential(blocks);
    }

    protected override void FoldBatchNorm()
    {
        BatchNormFolding.Fold(conv1, bn1);
        foreach (var layer in new[] { layer1, layer2, layer3, layer4 })
        {
            if (_layout.Block == ResNetBlock.Basic) BasicBlock.FoldBatchNorm(layer);
            else Bottleneck.FoldBatchNorm(layer);
        }
    }

    public override (Tensor Logits, Tensor Representation) ForwardWithRepresentation(Tensor input)
    {
        using var x0 = Normalize(input, mean, std);
        using var b1 = BatchNormFolding.Normalized(conv1.call(x0), bn1, Transforms.FoldBatchNorm);
        b1.relu_(); // in place, as in the blocks: b1 is the stem's own output
        using var p1 = _layout.Stem == ResNetStem.ImageNet ? nn.functional.max_pool2d(b1, kernel_size: 3, stride: 2, padding: 1) : b1.alias();
        using var l1 = layer1.call(p1);
        using var l2 = layer2.call(l1);
        using var l3 = layer3.call(l2);
        using var l4 = layer4.call(l3);
        using var pooled = nn.functional.adaptive_avg_pool2d(l4, [1, 1]);
        var representation = pooled.flatten(1);
        var logits = (linear ?? fc)!.call(representation);
        return (logits, representation);
    }
}

/// <summary>The stem: CIFAR (3×3/1 convolution, no pool) or ImageNet (7×7/2 convolution, 3×3/2 max-pool).</summary>
public enum ResNetStem { Cifar, ImageNet }

/// <summary>The residual block: basic (two 3×3, expansion 1) or bottleneck (1×1, 3×3, 1×1, expansion 4).</summary>
public enum ResNetBlock { Basic, Bottleneck }

/// <summary>Whose state_dict names: robustness' CIFAR models (<c>shortcut</c>, <c>linear</c>) or torchvision's (<c>downsample</c>, <c>fc</c>).</summary>
public enum ResNetNames { Cifar, TorchVision }

/// <summary>One ResNet: its stem, block, blocks per stage (four stages) and naming.</summary>
public sealed record ResNetLayout(ResNetStem Stem, ResNetBlock Block, IReadOnlyList<int> Blocks, ResNetNames Names)
{
    /// <summary>Width of the representation g(x): the last stage's 512 channels times the block's expansion.</summary>
    public int RepresentationSize => 512 * (Block == ResNetBlock.Basic ? 1 : Bottleneck.Expansion);
}
