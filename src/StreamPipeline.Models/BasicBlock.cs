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
        using var c1 = conv1.call(input);
        using var b1 = folded ? c1.alias() : bn1.call(c1);
        using var r1 = nn.functional.relu(b1);
        using var c2 = conv2.call(r1);
        using var b2 = folded ? c2.alias() : bn2.call(c2);
        using var identity = shortcut is null ? input.alias() : foldedShortcut is { } conv ? conv(input) : shortcut.call(input);
        using var sum = b2 + identity;
        return nn.functional.relu(sum);
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
