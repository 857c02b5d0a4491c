namespace StreamPipeline.Attacks.Theory;

/// <summary>
/// What robust maximum likelihood learned: the model, its robust loss (the mean of ℓ at the adversary's points) and the
/// norm of the loss gradient in (μ, Cholesky factor) at the end (Danskin: with δ held at the adversary's answer), which
/// shows how far from stationary the optimisation stopped; and ℓ at the adversary's final points per example (its last
/// answer, against the final model), to compare with the exact inner maximum.
/// </summary>
public sealed record RobustFit(GaussianModel Model, double RobustLoss, double GradientNorm, double[] AdversarialLosses);
