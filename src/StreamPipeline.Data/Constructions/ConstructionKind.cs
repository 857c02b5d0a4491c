namespace StreamPipeline.Data.Constructions;

/// <summary>The paper's four dataset constructions.</summary>
public enum ConstructionKind
{
    /// <summary>D_det: targeted PGD toward (y+1) mod C on a standard model; label = target.</summary>
    Det,
    /// <summary>D_rand: targeted PGD toward a seeded uniform target; label = target.</summary>
    Rand,
    /// <summary>D_R: representation matching on a robust model from a start image; label = y.</summary>
    Robust,
    /// <summary>D_NR: representation matching on a standard model from a start image; label = y.</summary>
    NonRobust,
}
