using TorchSharp;
using static TorchSharp.torch;

namespace StreamPipeline.Attacks.Theory;

/// <summary>
/// The data model of the paper's Section 4: a label y uniform in {−1, +1} and x ~ N(y·μ*, Σ*) in d dimensions.
/// <see cref="Covariance"/> is given by rows.
/// </summary>
public sealed record GaussianSetting(string Name, double[] Mean, double[][] Covariance)
{
    public int Dimension => Mean.Length;

    /// <summary>
    /// The setting whose covariance has the eigenvectors <paramref name="basis"/> (one unit vector per row) with
    /// <paramref name="eigenvalues"/>, and whose mean has the coordinates <paramref name="meanCoordinates"/> in that basis.
    /// </summary>
    public static GaussianSetting InBasis(string name, double[][] basis, double[] eigenvalues, double[] meanCoordinates)
    {
        ArgumentNullException.ThrowIfNull(basis);
        var d = eigenvalues.Length;
        if (basis.Length != d || basis.Any(row => row.Length != d) || meanCoordinates.Length != d)
            throw new ArgumentException($"a {d}-dimensional setting needs a {d}×{d} basis and {d} mean coordinates");
        if (eigenvalues.Any(v => !(v > 0 && double.IsFinite(v))))
            throw new ArgumentException("covariance eigenvalues must be positive and finite", nameof(eigenvalues));
        var mean = new double[d];
        for (var k = 0; k < d; k++)
            for (var i = 0; i < d; i++)
                mean[i] += meanCoordinates[k] * basis[k][i];
        return new GaussianSetting(name, mean, Dense.FromEigen(eigenvalues, basis)).Validated();
    }

    /// <summary>The control of Theorem 1: the same mean, and the isotropic covariance (tr Σ*/d)·I of the same trace.</summary>
    public GaussianSetting IsotropicControl(string name)
    {
        var scale = Enumerable.Range(0, Dimension).Sum(i => Covariance[i][i]) / Dimension;
        var identity = Enumerable.Range(0, Dimension).Select(i => Enumerable.Range(0, Dimension).Select(j => i == j ? scale : 0.0).ToArray()).ToArray();
        return new GaussianSetting(name, (double[])Mean.Clone(), identity).Validated();
    }

    /// <summary>
    /// <paramref name="count"/> labelled examples drawn with a torch generator seeded by <paramref name="seed"/>: the
    /// same seed gives the same sample (labels first, then the standard normal noise, mapped through chol(Σ*)).
    /// </summary>
    public GaussianSample Sample(int count, long seed)
    {
        if (count < 2) throw new ArgumentException($"a sample needs at least 2 examples, got {count}", nameof(count));
        using var scope = NewDisposeScope();
        var generator = new Generator((ulong)seed);
        var y = torch.randint(0, 2, new long[] { count }, dtype: float64, generator: generator) * 2 - 1;
        var noise = torch.randn(new long[] { count, Dimension }, dtype: float64, generator: generator);
        var root = linalg.cholesky(Dense.Matrix(Covariance));
        var x = y.unsqueeze(1) * Dense.Vector(Mean).unsqueeze(0) + noise.matmul(root.t());
        return new GaussianSample(Dimension, Dense.ToVector(x.flatten()), Dense.ToVector(y));
    }

    private GaussianSetting Validated()
    {
        if (Mean.Length == 0) throw new ArgumentException("a setting needs at least one dimension");
        if (Covariance.Length != Dimension || Covariance.Any(r => r.Length != Dimension))
            throw new ArgumentException($"the covariance of a {Dimension}-dimensional setting must be {Dimension}×{Dimension}");
        if (Dense.Eigen(Covariance).Values[0] <= 0)
            throw new ArgumentException("the covariance must be positive definite");
        return this;
    }
}
