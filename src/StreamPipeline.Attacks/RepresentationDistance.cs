using static TorchSharp.torch;

namespace StreamPipeline.Attacks;

/// <summary>Per-example L2 distance ‖g(x) − target‖₂ to a target representation (N×D, owned by the caller).</summary>
public sealed class RepresentationDistance : IAttackObjective
{
    private readonly Tensor _target;

    public RepresentationDistance(Tensor target)
    {
        _target = target;
    }

    public Tensor Loss(Tensor logits, Tensor representation)
    {
        using var scope = NewDisposeScope();
        var diff = (representation - _target).flatten(1);
        return scope.MoveToOuter(linalg.vector_norm(diff, 2, new long[] { 1 }));
    }
}
