namespace StreamPipeline.Cli.Reporting;

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
}
