using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StreamPipeline.Models;

/// <summary>
/// ResNet bottleneck block (expansion 4): 1×1 conv-BN, 3×3 conv-BN carrying the stride, 1×1 conv-BN to 4×planes, plus a
/// 1×1 conv-BN projection when the shape changes — registered as <c>shortcut</c> (robustness' CIFAR layout) or
/// <c>downsample</c> (torchvision's ImageNet layout), so PyTorch state_dict keys map one to one.
/// </summary>
internal sealed class Bottleneck : nn.Module<Tensor, Tensor>
{
    public const int Expansion = 4;

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Conv2d conv3;
    private readonly BatchNorm2d bn3;
    // Exactly one of the two is set when the block changes shape; the field name is the state_dict key.
    private readonly Sequential? shortcut;
    private readonly Sequential? downsample;
    // Set by FoldBatchNorm: the batch-norms then live in the convolutions, and the projection is its convolution alone.
    private bool folded;
    private Func<Tensor, Tensor>? foldedProjection;

    public Bottleneck(long inPlanes, long planes, long stride, bool torchvisionNames) : base(nameof(Bottleneck))
    {
        var outPlanes = Expansion * planes;
        conv1 = nn.Conv2d(inPlanes, planes, 1, bias: false);
        bn1 = nn.BatchNorm2d(planes);
        conv2 = nn.Conv2d(planes, planes, 3, stride: stride, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(planes);
        conv3 = nn.Conv2d(planes, outPlanes, 1, bias: false);
        bn3 = nn.BatchNorm2d(outPlanes);
        if (stride != 1 || inPlanes != outPlanes)
        {
            var projection = nn.Sequential(
                ("0", nn.Conv2d(inPlanes, outPlanes, 1, stride: stride, bias: false)),
                ("1", nn.BatchNorm2d(outPlanes)));
            if (torchvisionNames) downsample = projection;
            else shortcut = projection;
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var c1 = conv1.call(input);
        using var b1 = folded ? c1.alias() : bn1.call(c1);
        using var r1 = nn.functional.relu(b1);
        using var c2 = conv2.call(r1);
        using var b2 = folded ? c2.alias() : bn2.call(c2);
        using var r2 = nn.functional.relu(b2);
        using var c3 = conv3.call(r2);
        using var b3 = folded ? c3.alias() : bn3.call(c3);
        var projection = shortcut ?? downsample;
        using var identity = projection is null ? input.alias() : foldedProjection is { } conv ? conv(input) : projection.call(input);
        using var sum = b3 + identity;
        return nn.functional.relu(sum);
    }

    /// <summary>Folds each batch-norm into its convolution (eval mode only; see <see cref="BatchNormFolding"/>).</summary>
    public void FoldBatchNorm()
    {
        BatchNormFolding.Fold(conv1, bn1);
        BatchNormFolding.Fold(conv2, bn2);
        BatchNormFolding.Fold(conv3, bn3);
        if ((shortcut ?? downsample) is { } projection)
            foldedProjection = BatchNormFolding.FoldProjection(projection);
        folded = true;
    }

    /// <summary>Folds every block of a stage (a Sequential of Bottlenecks).</summary>
    public static void FoldBatchNorm(Sequential layer)
    {
        foreach (var block in layer.children().Cast<Bottleneck>())
            block.FoldBatchNorm();
    }
}
