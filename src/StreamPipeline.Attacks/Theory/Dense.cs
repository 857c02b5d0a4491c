using TorchSharp;
using static TorchSharp.torch;

namespace StreamPipeline.Attacks.Theory;

/// <summary>
/// Conversions between the theory's plain arrays (vectors, matrices as rows) and float64 CPU tensors, and the few
/// small dense-matrix operations it needs. Everything here is d×d with d of a few units, so double precision is cheap.
/// </summary>
internal static class Dense
{
    public static Tensor Vector(IReadOnlyList<double> values) => torch.tensor(values.ToArray(), new long[] { values.Count }, float64);

    public static Tensor Matrix(IReadOnlyList<double[]> rows)
    {
        var n = rows.Count;
        var m = n == 0 ? 0 : rows[0].Length;
        var flat = new double[n * m];
        for (var i = 0; i < n; i++)
        {
            if (rows[i].Length != m) throw new ArgumentException($"row {i} has {rows[i].Length} columns, row 0 has {m}");
            rows[i].CopyTo(flat, i * m);
        }
        return torch.tensor(flat, new long[] { n, m }, float64);
    }

    public static Tensor Matrix(double[] flat, int rows, int columns) => torch.tensor(flat, new long[] { rows, columns }, float64);

    public static double[] ToVector(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().to(float64).contiguous().data<double>().ToArray();
    }

    public static double[][] ToMatrix(Tensor t)
    {
        using var scope = NewDisposeScope();
        var flat = t.detach().to(float64).contiguous().data<double>().ToArray();
        var (n, m) = ((int)t.shape[0], (int)t.shape[1]);
        return Enumerable.Range(0, n).Select(i => flat.AsSpan(i * m, m).ToArray()).ToArray();
    }

    public static double Scalar(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().to(float64).item<double>();
    }

    /// <summary>Eigenvalues in ascending order and their unit eigenvectors (one per row) of a symmetric matrix.</summary>
    public static SymmetricEigen Eigen(IReadOnlyList<double[]> symmetric)
    {
        using var scope = NewDisposeScope();
        var (values, vectors) = linalg.eigh(Matrix(symmetric));
        return new SymmetricEigen(ToVector(values), ToMatrix(vectors.t()));
    }

    public static double[][] Inverse(IReadOnlyList<double[]> m)
    {
        using var scope = NewDisposeScope();
        return ToMatrix(linalg.inv(Matrix(m)));
    }

    public static double[] Multiply(IReadOnlyList<double[]> m, IReadOnlyList<double> v) =>
        m.Select(row => row.Select((a, j) => a * v[j]).Sum()).ToArray();

    public static double Dot(IReadOnlyList<double> a, IReadOnlyList<double> b) => a.Select((x, i) => x * b[i]).Sum();

    public static double Norm(IReadOnlyList<double> a) => Math.Sqrt(Dot(a, a));

    /// <summary>Σ_k values[k]·v_k v_kᵀ: the symmetric matrix with these eigenvalues and eigenvectors (one per row).</summary>
    public static double[][] FromEigen(IReadOnlyList<double> values, IReadOnlyList<double[]> vectors)
    {
        var d = vectors[0].Length;
        var m = new double[d][];
        for (var i = 0; i < d; i++)
        {
            m[i] = new double[d];
            for (var j = 0; j < d; j++)
                for (var k = 0; k < values.Count; k++)
                    m[i][j] += values[k] * vectors[k][i] * vectors[k][j];
        }
        return m;
    }
}
