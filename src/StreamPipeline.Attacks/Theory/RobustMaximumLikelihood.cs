using TorchSharp;
using static TorchSharp.torch;

namespace StreamPipeline.Attacks.Theory;

/// <summary>
/// Robust (adversarial) maximum likelihood of the Section 4 model: minimises E[max_δ ℓ(x + δ, y; μ, Σ)] over (μ, Σ) with
/// the inner maximum found by an <see cref="ILikelihoodAdversary"/> at every step. Σ = LLᵀ with L lower-triangular and a
/// positive (exponentiated) diagonal, so every iterate is symmetric positive definite. The gradient is taken with δ held
/// at the adversary's answer (Danskin's theorem: that is the gradient of the max, at an exact inner maximum). Each
/// step's search starts as <see cref="RobustFitSettings.Start"/> says.
/// </summary>
public static class RobustMaximumLikelihood
{
    public static RobustFit Fit(GaussianSample sample, ILikelihoodAdversary adversary, GaussianModel start, RobustFitSettings settings)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(adversary);
        ArgumentNullException.ThrowIfNull(start);
        settings = (settings ?? throw new ArgumentNullException(nameof(settings))).Validated();
        if (start.Dimension != sample.Dimension) throw new ArgumentException($"a {start.Dimension}-dimensional start for a {sample.Dimension}-dimensional sample", nameof(start));

        using var scope = NewDisposeScope();
        var x = sample.FeatureTensor();
        var y = sample.LabelTensor();
        var root = linalg.cholesky(Dense.Matrix(start.Covariance));
        using var mean = new TorchSharp.Modules.Parameter(Dense.Vector(start.Mean), requires_grad: true);
        using var factor = new TorchSharp.Modules.Parameter(root.tril(-1) + torch.diag(root.diagonal().log()), requires_grad: true);
        using var optimizer = optim.Adam(new[] { mean, factor }, lr: settings.LearningRate, beta1: 0.9, beta2: 0.99);
        var schedule = optim.lr_scheduler.CosineAnnealingLR(optimizer, settings.Steps, eta_min: 0);

        Tensor? previous = null;
        for (var step = 0; step < settings.Steps; step++)
        {
            using var iteration = NewDisposeScope();
            optimizer.zero_grad();
            var (loss, delta) = RobustLoss(x, y, mean, factor, adversary, settings.Start, previous);
            previous?.Dispose();
            previous = iteration.MoveToOuter(delta);
            if (!double.IsFinite(loss.item<double>()))
                throw new InvalidOperationException($"robust fit diverged at step {step + 1}: loss {loss.item<double>()} (for a penalty adversary: is the penalty above 1/σ_min of every iterate?)");
            loss.backward();
            optimizer.step();
            schedule.step();
        }

        optimizer.zero_grad();
        var (final, finalDelta) = RobustLoss(x, y, mean, factor, adversary, settings.Start, previous);
        final.backward();
        var gradientNorm = Math.Sqrt(Dense.Scalar(mean.grad!.square().sum() + factor.grad!.square().sum()));
        using var l = Cholesky(factor);
        var model = new GaussianModel(Dense.ToVector(mean), Dense.ToMatrix(l.matmul(l.t())));
        double[] losses;
        using (no_grad())
        using (var likelihood = model.Likelihood())
            losses = Dense.ToVector(likelihood.PerExample(x + finalDelta, y));
        return new RobustFit(model, Dense.Scalar(final), gradientNorm, losses);
    }

    private static Tensor Search(Tensor x, Func<Tensor, Tensor> loss, ILikelihoodAdversary adversary, InnerStart start, Tensor? previous)
    {
        using var scope = NewDisposeScope();
        switch (start)
        {
            case InnerStart.Zero:
                return scope.MoveToOuter(adversary.Perturbation(x, loss));
            case InnerStart.Previous:
                return scope.MoveToOuter(adversary.Perturbation(x, loss, previous));
            case InnerStart.BestOfBoth:
                var cold = adversary.Perturbation(x, loss);
                if (previous is null) return scope.MoveToOuter(cold);
                var warm = adversary.Perturbation(x, loss, previous);
                var better = (adversary.Objective(x, warm, loss) > adversary.Objective(x, cold, loss)).unsqueeze(1);
                return scope.MoveToOuter(torch.where(better, warm, cold));
            default:
                throw new ArgumentOutOfRangeException(nameof(start), start, "unknown inner start");
        }
    }

    /// <summary>L from the unconstrained parameter: the strict lower triangle as is, the diagonal exponentiated.</summary>
    private static Tensor Cholesky(Tensor factor)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(factor.tril(-1) + torch.diag(factor.diagonal().exp()));
    }

    /// <summary>The mean loss at the adversary's points (differentiable in mean and factor) and those points' δ.</summary>
    private static (Tensor Loss, Tensor Delta) RobustLoss(
        Tensor x, Tensor y, Tensor mean, Tensor factor, ILikelihoodAdversary adversary, InnerStart start, Tensor? previous)
    {
        using var scope = NewDisposeScope();
        var l = Cholesky(factor);
        var identity = torch.eye(l.shape[0], dtype: float64);
        // P = L⁻ᵀL⁻¹ from one triangular solve; ½ log|Σ| is the sum of log diag L, i.e. of the raw diagonal.
        var inverseRoot = linalg.solve_triangular(l, identity, upper: false);
        using var likelihood = new GaussianLikelihood(mean.alias(), inverseRoot.t().matmul(inverseRoot), factor.diagonal().sum());
        using var seen = likelihood.Detached();
        var delta = Search(x, xp => seen.PerExample(xp, y), adversary, start, previous);
        var loss = likelihood.PerExample(x + delta, y).mean();
        return scope.MoveToOuter(loss, delta);
    }
}
