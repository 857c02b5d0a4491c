namespace StreamPipeline.Data.Constructions;

/// <summary>Separates the random streams an example uses, so drawing more of one never shifts another.</summary>
public enum RandomPurpose
{
    /// <summary>The PGD random start around the start point.</summary>
    StartNoise = 1,
    /// <summary>D_rand's target class.</summary>
    Target = 2,
    /// <summary>The noise image x0 of representation matching when it starts from noise.</summary>
    StartImage = 3,
    /// <summary>The start-image permutation of a whole dataset (<see cref="StartImagePlan"/>; index unused).</summary>
    StartPermutation = 4,
}
