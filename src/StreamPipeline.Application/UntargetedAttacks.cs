using StreamPipeline.Configuration;

namespace StreamPipeline.Application;

/// <summary>What an untargeted PGD attack is for: the defaults of its step count differ.</summary>
public enum UntargetedPurpose
{
    /// <summary>Adversarial training (train --adversarial, the experiment's robust model).</summary>
    Train,
    /// <summary>Robust accuracy (evaluate --attack, the experiment's evaluation).</summary>
    Evaluate,
}

/// <summary>
/// Untargeted PGD settings (maximise the loss of the true label) from what the user gave, with everything left out
/// taken from config/attacks/untargeted.conf — the one place those defaults live.
/// </summary>
public static class UntargetedAttacks
{
    private const string Kind = "attack defaults";

    /// <summary>
    /// The settings for <paramref name="norm"/> (l2 or linf): <paramref name="eps"/>, <paramref name="steps"/> and
    /// <paramref name="stepSize"/> when given, else the defaults (step size 2.5·eps/steps when the defaults say auto).
    /// </summary>
    public static AttackSettings Resolve(ThreatModel norm, double? eps, int? steps, double? stepSize, UntargetedPurpose purpose)
    {
        if (norm == ThreatModel.L2Unbounded)
            throw new ArgumentException($"an untargeted attack needs an eps-ball: l2 or linf, not {Names.Norm.Of(norm)}");
        var defaults = SpecConfig.Over(Akka.Configuration.Config.Empty, EmbeddedDefaults.Untargeted, "config/attacks/untargeted.conf", Kind);
        var e = eps ?? defaults.Double($"untargeted.eps.{Names.Norm.Of(norm)}");
        var n = steps ?? defaults.Int($"untargeted.steps.{(purpose == UntargetedPurpose.Train ? "train" : "evaluate")}");
        var size = stepSize ?? StepSize(defaults.String("untargeted.step-size"), e, n);
        return new AttackSettings(norm, e, size, n, RandomStart: defaults.Bool("untargeted.random-start"),
            // Evaluation reports the strongest iterate of each example; training uses the last one (Madry et al.).
            KeepBest: purpose == UntargetedPurpose.Evaluate, Targeted: false).Validate();
    }

    private static double StepSize(string text, double eps, int steps) =>
        text.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase)
            ? 2.5 * eps / Math.Max(1, steps)
            : SpecConfig.ParseDouble(text);
}
