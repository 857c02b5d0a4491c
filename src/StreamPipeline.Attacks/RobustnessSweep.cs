using StreamPipeline.Data;
using StreamPipeline.Models;
using static TorchSharp.torch;

namespace StreamPipeline.Attacks;

/// <summary>Robust accuracy of one model at several attack radii: the data of a robust-accuracy-vs-eps curve (Figure 2, right).</summary>
public static class RobustnessSweep
{
    /// <summary>
    /// Evaluates <paramref name="model"/> on <paramref name="data"/> with <see cref="Evaluator"/> under untargeted PGD
    /// (<see cref="Adversary.Untargeted"/>) of <paramref name="attack"/>'s norm and step count at each eps. The step size
    /// scales with eps, keeping <paramref name="attack"/>'s step-size/eps ratio (the usual 2.5·eps/steps stays so), so every
    /// radius gets an equally strong search. Eps 0 is the clean accuracy (no attack run). Each radius is a fresh perturber
    /// with the same <paramref name="seed"/>, so example i gets the same random-start draw (scaled to the radius) at every eps.
    /// </summary>
    public static RobustnessSweepResult Run(
        ClassifierModel model,
        IImageDataset data,
        AttackSettings attack,
        IReadOnlyList<double> eps,
        long seed,
        Device device,
        int batchSize = 256,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(eps);
        attack.Validate();
        if (attack.Norm == ThreatModel.L2Unbounded)
            throw new ArgumentException("a robustness sweep needs a bounded attack norm (l2 or linf), got l2-unbounded", nameof(attack));
        if (eps.Count == 0) throw new ArgumentException("a robustness sweep needs at least one eps", nameof(eps));
        foreach (var e in eps)
            if (!(double.IsFinite(e) && e >= 0))
                throw new ArgumentException($"sweep eps must be finite and not negative, got {e}", nameof(eps));

        var relativeStep = attack.StepSize / attack.Eps;
        var attacked = new Dictionary<double, EvaluationResult>();
        foreach (var e in eps.Where(e => e > 0).Distinct())
        {
            var settings = attack with { Eps = e, StepSize = e * relativeStep };
            attacked[e] = Evaluator.Evaluate(model, data, device, batchSize, Adversary.Untargeted(settings, seed), ct: ct);
        }

        // Every attacked run measured the clean accuracy too; only a sweep of eps 0 alone needs a run of its own.
        var cleanRun = attacked.Count > 0 ? attacked.Values.First() : Evaluator.Evaluate(model, data, device, batchSize, ct: ct);
        var points = eps.Select(e => new RobustnessPoint(e, e > 0 ? attacked[e].RobustAccuracy!.Value : cleanRun.Accuracy)).ToList();
        return new RobustnessSweepResult(cleanRun.Examples, cleanRun.Accuracy, points);
    }
}
