namespace StreamPipeline.Attacks.Theory;

/// <summary>Where robust learning's inner search starts at each outer step.</summary>
public enum InnerStart
{
    /// <summary>From δ = 0 every step.</summary>
    Zero,

    /// <summary>From the previous step's answer (warm start): a few inner steps per outer step add up. Enough for a
    /// concave inner problem (the Lagrangian adversary's, when the penalty exceeds 1/σ_min).</summary>
    Previous,

    /// <summary>
    /// From both, keeping per example the answer the adversary values more. The eps-ball problem is a convex maximum on
    /// a sphere with a local, non-global maximum: a warm start can keep an example there after the model turned (the
    /// search from 0 finds the other side), while the search from 0 alone converges less far in a few steps.
    /// </summary>
    BestOfBoth,
}
