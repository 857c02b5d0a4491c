namespace StreamPipeline.Experiment.Reporting;

/// <summary>
/// The Wilson score interval of a proportion measured on n examples: the uncertainty bars of every accuracy the report
/// plots. Unlike the normal approximation it stays inside [0, 1] and keeps a width at 0% and 100%.
/// </summary>
public static class WilsonInterval
{
    /// <summary>z for a two-sided 95% interval.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>The 95% interval of <paramref name="proportion"/> (a fraction in [0, 1]) measured on <paramref name="n"/> examples.</summary>
    public static (double Low, double High) Of(double proportion, long n)
    {
        if (n < 1) throw new ArgumentException($"an interval needs at least one example, got {n}", nameof(n));
        PlotRendering.CheckFraction(proportion, "a proportion");
        const double z2 = Z95 * Z95;
        var denominator = 1 + z2 / n;
        var centre = (proportion + z2 / (2.0 * n)) / denominator;
        var half = Z95 * Math.Sqrt(proportion * (1 - proportion) / n + z2 / (4.0 * n * n)) / denominator;
        // At 0 and 1 the bounds are exactly 0 and 1 (the formula gives them only up to rounding).
        return (proportion == 0 ? 0 : Math.Max(0, centre - half), proportion == 1 ? 1 : Math.Min(1, centre + half));
    }
}
