namespace StreamPipeline.Application.Inspection;

/// <summary>Statistics over a job's committed rows: attack success, distances, and the label and source-label histograms.</summary>
/// <param name="LabelHistogram">Rows per training label, indexed by class (empty while no shard is committed).</param>
/// <param name="SourceLabelHistogram">Rows per original label of the source example, indexed by class.</param>
/// <param name="DistanceSum">Sum of the finite values of <c>distance</c>.</param>
/// <param name="FiniteDistances">Rows whose distance is finite (a diverged attack can leave NaN).</param>
/// <param name="Relabelled">Rows whose training label differs from the source label.</param>
public sealed record ConstructionStats(
    long Rows,
    long Successes,
    double DistanceSum,
    long FiniteDistances,
    IReadOnlyList<long> LabelHistogram,
    IReadOnlyList<long> SourceLabelHistogram,
    long Relabelled)
{
    /// <summary>The class names the shards carry (index = label); empty while no shard is committed.</summary>
    public IReadOnlyList<string> ClassNames { get; init; } = [];

    public static ConstructionStats Empty { get; } = new(0, 0, 0, 0, [], [], 0);

    /// <summary>Share of rows with <c>attack_success</c>; null without rows.</summary>
    public double? AttackSuccessRate => Rows > 0 ? (double)Successes / Rows : null;

    /// <summary>Mean of the finite values of the <c>distance</c> column; null without any.</summary>
    public double? MeanDistance => FiniteDistances > 0 ? DistanceSum / FiniteDistances : null;

    /// <summary>Share of rows whose label differs from the source label; null without rows.</summary>
    public double? RelabelledShare => Rows > 0 ? (double)Relabelled / Rows : null;
}
