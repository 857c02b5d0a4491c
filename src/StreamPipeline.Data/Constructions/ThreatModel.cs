namespace StreamPipeline.Data.Constructions;

/// <summary>The perturbation set a PGD attack searches: an L2 ball, an L∞ ball, or only the [0,1] image box.</summary>
public enum ThreatModel
{
    /// <summary>Normalized L2 gradient steps, projection onto the L2 ball of radius eps and onto [0,1].</summary>
    L2,
    /// <summary>Signed gradient steps, projection onto the L∞ ball of radius eps and onto [0,1].</summary>
    Linf,
    /// <summary>Normalized L2 gradient steps with no eps bound; projection onto [0,1] only (representation matching).</summary>
    L2Unbounded,
}
