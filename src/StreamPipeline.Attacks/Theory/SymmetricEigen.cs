namespace StreamPipeline.Attacks.Theory;

/// <summary>The eigendecomposition of a symmetric matrix: eigenvalues ascending, the unit eigenvector of each as a row.</summary>
public sealed record SymmetricEigen(double[] Values, double[][] Vectors)
{
    /// <summary>Largest over smallest eigenvalue.</summary>
    public double ConditionNumber => Values[^1] / Values[0];

    /// <summary>
    /// The largest angle, in degrees, between an eigenvector of this matrix and the eigenvector of the same rank of
    /// <paramref name="other"/> (eigenvectors are lines: the angle is in [0, 90]).
    /// </summary>
    public double LargestAngleTo(SymmetricEigen other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Values.Length != Values.Length) throw new ArgumentException("the two decompositions have different dimensions", nameof(other));
        return Vectors.Select((v, k) => Math.Acos(Math.Min(1, Math.Abs(Dense.Dot(v, other.Vectors[k])))) * 180 / Math.PI).Max();
    }
}
