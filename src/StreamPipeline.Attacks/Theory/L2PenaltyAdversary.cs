using TorchSharp;
using static TorchSharp.torch;

namespace StreamPipeline.Attacks.Theory;

/// <summary>
/// The Lagrangian adversary of Theorems 1 and 2: maximises <c>loss(x + δ) − (Penalty/2)·‖δ‖²</c> with no bound on δ, by
/// <see cref="Steps"/> steps of gradient ascent of size 1/Penalty from δ = 0. That step makes each iterate
/// δ ← ∇loss(x + δ)/Penalty; for the Gaussian loss (Hessian Σ⁻¹) it converges when Penalty exceeds 1/σ_min(Σ), at the
/// rate σ_max(Σ⁻¹)/Penalty, to δ = (Penalty·I − Σ⁻¹)⁻¹Σ⁻¹(x − yμ).
/// </summary>
public sealed class L2PenaltyAdversary : ILikelihoodAdversary
{
    public L2PenaltyAdversary(double penalty, int steps)
    {
        if (!(penalty > 0 && double.IsFinite(penalty))) throw new ArgumentException($"the penalty must be positive and finite, got {penalty}", nameof(penalty));
        if (steps < 1) throw new ArgumentException($"steps must be positive, got {steps}", nameof(steps));
        Penalty = penalty;
        Steps = steps;
    }

    public double Penalty { get; }

    public int Steps { get; }

    public Tensor Perturbation(Tensor x, Func<Tensor, Tensor> loss, Tensor? start = null)
    {
        using var scope = NewDisposeScope();
        var delta = start is null ? torch.zeros_like(x) : start.detach().clone();
        for (var i = 0; i < Steps; i++)
        {
            using var step = NewDisposeScope();
            var d = delta.detach().requires_grad_(true);
            var grad = torch.autograd.grad(new[] { Objective(x, d, loss).sum() }, new[] { d })[0];
            using (no_grad())
            {
                var previous = delta;
                delta = step.MoveToOuter(delta + grad / Penalty);
                previous.Dispose();
            }
        }
        return scope.MoveToOuter(delta.detach());
    }

    public Tensor Objective(Tensor x, Tensor delta, Func<Tensor, Tensor> loss)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(loss(x + delta) - (delta * delta).sum(1) * (Penalty / 2));
    }
}
