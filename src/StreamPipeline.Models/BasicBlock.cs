using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StreamPipeline.Models;

/// <summary>ResNet basic block: two 3×3 conv-BN layers plus a shortcut (1×1 conv-BN when the shape changes).</summary>
internal sealed class BasicBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Sequential? shortcut;
    // Set by FoldBatchNorm: the batch-norms then live in the convolutions, and the shortcut is its convolution alone.
    private bool folded;
    private Func<Tensor, Tensor>? foldedShortcut;

    public BasicBlock(string name, long inPlanes, long planes, long stride) : base(name)
    {
        conv1 = nn.Conv2d(inPlanes, planes, 3, stride: stride, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(planes);
        conv2 = nn.Conv2d(planes, planes, 3, stride: 1, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(planes);
        if (stride != 1 || inPlanes != planes)
            shortcut = nn.Sequential(
                ("0", nn.Conv2d(inPlanes, planes, 1, stride: stride, bias: false)),
                ("1", nn.BatchNorm2d(planes)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        // ReLU and the residual add in place, as in Bottleneck.forward.
        using var b1 = BatchNormFolding.Normalized(conv1.call(input), bn1, folded);
        b1.relu_();
        var b2 = BatchNormFolding.Normalized(conv2.call(b1), bn2, folded);
        using var identity = shortcut is null ? input.alias() : foldedShortcut is { } conv ? conv(input) : shortcut.call(input);
        b2.add_(identity).relu_();
        return b2;
    }

    /// <summary>Folds each batch-norm into its convolution (eval mode only; see <see cref="BatchNormFolding"/>).</summary>
    public void FoldBatchNorm()
    {
        BatchNormFolding.Fold(conv1, bn1);
        BatchNormFolding.Fold(conv2, bn2);
        if (shortcut is not null)
            foldedShortcut = BatchNormFolding.FoldProjection(shortcut);
        folded = true;
    }

    /// <summary>Folds every block of a stage.</summary>
    public static void FoldBatchNorm(Sequential layer)
    {
        foreach (var block in layer.children().Cast<BasicBlock>())
            block.FoldBatchNorm();
    }
}
