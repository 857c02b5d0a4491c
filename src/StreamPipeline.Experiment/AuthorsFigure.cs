namespace StreamPipeline.Experiment;

/// <summary>
/// What the paper's authors report for a training set on CIFAR-10 (ResNet-50): accuracy on the original test set and
/// robust accuracy under L2 PGD at eps 0.25 (the paper's Figure 2 setting), each with where it is published
/// (<see cref="Citations"/>), for the results table's comparison column.
/// </summary>
public sealed record AuthorsFigure(string Accuracy, string AccuracySource, string RobustAccuracy, string RobustSource)
{
    /// <summary>The sources, by the keys the rows use.</summary>
    public static IReadOnlyDictionary<string, string> Citations { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["T1"] = "Ilyas et al. 2019, Table 1 (CIFAR-10, ResNet-50: D 95.3%, D_rand 63.3%, D_det 43.7%)",
        ["RZ"] = "MadryLab/robustness, README, \"CIFAR10 L2-robust accuracy\" (ResNet-50; the released models): standard training " +
                 "95.25% clean / 8.66% at eps-test 0.25; L2 adversarial training with eps-train 0.5 90.83% / 82.34% (20-step PGD)",
        ["CD"] = "MadryLab/constructed-datasets, README, \"Results\" (the authors' release of the four datasets; robust accuracy at L2 eps " +
                 "0.25): robust_CIFAR 84% / 48%, non_robust_CIFAR 88% / 0%, drand_CIFAR 63% / 0%, ddet_CIFAR 44% / 0%",
    };
}
