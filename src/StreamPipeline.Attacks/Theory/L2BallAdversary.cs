using TorchSharp;
using static TorchSharp.torch;

namespace StreamPipeline.Attacks.Theory;

/// <summary>
/// PGD on the likelihood inside the L2 ball of radius <see cref="Eps"/>: from δ = 0, <see cref="Steps"/> steps of L2
/// length <see cref="StepSize"/> along the loss gradient, each projected back onto the ball (no box: the data is not
/// an image). The loss here is a convex quadratic in δ, so its maximum lies on the sphere; with a step much longer
/// than eps (Section 4's study uses 10·eps) a step lands near eps·∇/‖∇‖ and PGD behaves as a power iteration that
/// reaches the exact maximum (the trust-region solution, see <see cref="TrustRegionMaximum"/>) in tens of steps, where
/// the image attacks' 2.5·eps/steps creeps along the sphere and stops short of it.
/// </summary>
public sealed class L2BallAdversary : ILikelihoodAdversary
{
    public L2BallAdversary(double eps, int steps, double stepSize)
    {
        if (!(eps > 0 && double.IsFinite(eps))) throw new ArgumentException($"eps must be positive and finite, got {eps}", nameof(eps));
        if (steps < 1) throw new ArgumentException($"steps must be positive, got {steps}", nameof(steps));
        if (!(stepSize > 0 && double.IsFinite(stepSize))) throw new ArgumentException($"the step size must be positive and finite, got {stepSize}", nameof(stepSize));
        Eps = eps;
        Steps = steps;
        StepSize = stepSize;
    }

    public double Eps { get; }

    public int Steps { get; }

    public double StepSize { get; }

    public Tensor Perturbation(Tensor x, Func<Tensor, Tensor> loss, Tensor? start = null)
    {
        using var scope = NewDisposeScope();
        var delta = start is null ? torch.zeros_like(x) : Project(start.detach());
        for (var i = 0; i < Steps; i++)
        {
            using var step = NewDisposeScope();
            var d = delta.detach().requires_grad_(true);
            var grad = torch.autograd.grad(new[] { loss(x + d).sum() }, new[] { d })[0];
            using (no_grad())
            {
                var moved = delta + PerExample.Normalize(grad) * StepSize;
                var next = Project(moved);
                var previous = delta;
                delta = step.MoveToOuter(next);
                previous.Dispose();
            }
        }
        return scope.MoveToOuter(delta.detach());
    }

    /// <summary>Onto the ball: rows longer than eps scaled back to eps.</summary>
    private Tensor Project(Tensor delta)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(delta * (Eps / PerExample.L2Norm(delta).clamp_min(PerExample.TinyNorm)).clamp_max(1.0));
    }

    public Tensor Objective(Tensor x, Tensor delta, Func<Tensor, Tensor> loss) => loss(x + delta);
}
