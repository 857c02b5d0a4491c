using static TorchSharp.torch;

namespace StreamPipeline.Attacks;

/// <summary>
/// Per-example cross-entropy toward <c>targets</c> (int64, N, on the model's device; owned by the caller).
/// Minimised (Targeted) it pulls toward the targets; maximised with the true labels it is the untargeted attack.
/// </summary>
public sealed class TargetedCrossEntropy : IAttackObjective
{
    private readonly Tensor _targets;

    public TargetedCrossEntropy(Tensor targets)
    {
        _targets = targets;
    }

    public Tensor Loss(Tensor logits, Tensor representation) =>
        nn.functional.cross_entropy(logits, _targets, reduction: nn.Reduction.None);
}
