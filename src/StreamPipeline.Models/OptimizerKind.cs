namespace StreamPipeline.Models;

/// <summary>The optimiser the <see cref="Trainer"/> uses.</summary>
public enum OptimizerKind
{
    /// <summary>Adam (β = 0.9, 0.999).</summary>
    Adam,

    /// <summary>SGD with momentum 0.9.</summary>
    SgdMomentum,
}
