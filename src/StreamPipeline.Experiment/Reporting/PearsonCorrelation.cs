namespace StreamPipeline.Experiment.Reporting;

/// <summary>Pearson's sample correlation coefficient r, the figure Figure 3's claim rests on (accuracy on D_det vs transfer).</summary>
public static class PearsonCorrelation
{
    /// <summary>r of the pairs (xs[i], ys[i]); NaN when it is undefined (fewer than two pairs, or either side constant).</summary>
    public static double Of(IReadOnlyList<double> xs, IReadOnlyList<double> ys)
    {
        ArgumentNullException.ThrowIfNull(xs);
        ArgumentNullException.ThrowIfNull(ys);
        if (xs.Count != ys.Count)
            throw new ArgumentException($"{xs.Count} x values but {ys.Count} y values", nameof(ys));
        if (xs.Count < 2) return double.NaN;
        double meanX = xs.Average(), meanY = ys.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < xs.Count; i++)
        {
            double dx = xs[i] - meanX, dy = ys[i] - meanY;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        if (sxx == 0 || syy == 0) return double.NaN;
        // Rounding can carry |r| a hair past 1 for exactly collinear points.
        return Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1, 1);
    }

    /// <summary>
    /// A 95% percentile-bootstrap interval of r: the pairs resampled with replacement <paramref name="resamples"/> times
    /// (seeded, so the report is reproducible), r of each resample where it is defined, its 2.5th and 97.5th percentiles.
    /// Null for fewer than three points (r of two distinct points is always ±1, so resampling them says nothing) and
    /// when fewer than half the resamples define r.
    /// </summary>
    public static (double Low, double High)? BootstrapInterval(IReadOnlyList<double> xs, IReadOnlyList<double> ys, int resamples = 10_000, int seed = 0)
    {
        if (xs.Count < 3 || double.IsNaN(Of(xs, ys)))
            return null;
        var random = new Random(seed);
        var n = xs.Count;
        var values = new List<double>(resamples);
        var (bx, by) = (new double[n], new double[n]);
        for (var b = 0; b < resamples; b++)
        {
            for (var i = 0; i < n; i++)
            {
                var pick = random.Next(n);
                (bx[i], by[i]) = (xs[pick], ys[pick]);
            }
            var r = Of(bx, by);
            if (!double.IsNaN(r))
                values.Add(r);
        }
        if (values.Count < resamples / 2)
            return null;
        values.Sort();
        return (Percentile(values, 0.025), Percentile(values, 0.975));
    }

    private static double Percentile(List<double> sorted, double q)
    {
        var position = q * (sorted.Count - 1);
        var (low, high) = ((int)Math.Floor(position), (int)Math.Ceiling(position));
        return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
    }
}
