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
        // ReLU and the residual add in place, on tensors nothing else holds (a convolution's or batch-norm's output: neither
        // needs its own output for its gradient), as torchvision's ReLU(inplace=True): fewer buffers and memory passes. No
        // views: an in-place op on a view makes autograd rewrite the base's history (CopySlices).
        using var b1 = BatchNormFolding.Normalized(conv1.call(input), bn1, folded);
        b1.relu_();
        using var b2 = BatchNormFolding.Normalized(conv2.call(b1), bn2, folded);
        b2.relu_();
        var b3 = BatchNormFolding.Normalized(conv3.call(b2), bn3, folded);
        var projection = shortcut ?? downsample;
        using var identity = projection is null ? input.alias() : foldedProjection is { } conv ? conv(input) : projection.call(input);
        b3.add_(identity).relu_();
        return b3;
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
