namespace StreamPipeline.Pipeline.Specs;

/// <summary>The threat model of the attack: an L2 or L∞ eps-ball, or unbounded L2 steps (representation matching).</summary>
public enum AttackNorm
{
    /// <summary><c>l2</c>: normalized L2 steps, projection onto the L2 eps-ball.</summary>
    L2,
    /// <summary><c>linf</c>: sign steps, projection onto the L∞ eps-ball.</summary>
    Linf,
    /// <summary><c>l2-unbounded</c>: normalized L2 steps, no eps bound (D_R, D_NR).</summary>
    L2Unbounded,
}
