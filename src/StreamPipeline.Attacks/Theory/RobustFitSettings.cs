namespace StreamPipeline.Attacks.Theory;

/// <summary>
/// The outer loop of robust maximum likelihood: <see cref="Steps"/> full-batch Adam steps (β = 0.9, 0.99) on (μ, Cholesky
/// factor of Σ), the learning rate annealed from <see cref="LearningRate"/> to 0 on a cosine; <see cref="Start"/> says
/// where each step's inner search starts.
/// </summary>
public sealed record RobustFitSettings(int Steps, double LearningRate, InnerStart Start)
{
    public RobustFitSettings Validated()
    {
        if (Steps < 1) throw new ArgumentException($"robust fit: steps must be positive, got {Steps}");
        if (!(LearningRate > 0 && double.IsFinite(LearningRate))) throw new ArgumentException($"robust fit: the learning rate must be positive and finite, got {LearningRate}");
        if (!Enum.IsDefined(Start)) throw new ArgumentException($"robust fit: unknown inner start {Start}");
        return this;
    }
}
