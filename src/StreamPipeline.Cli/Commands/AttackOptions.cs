using System.CommandLine;
using StreamPipeline.Attacks;

namespace StreamPipeline.Cli.Commands;

/// <summary>The untargeted PGD options of train (--adversarial) and evaluate (--attack).</summary>
public sealed class AttackOptions
{
    public AttackOptions(string normOption, string normDescription)
    {
        Norm = new Option<string?>(normOption) { Description = normDescription };
        Norm.AcceptOnlyFromAmong("l2", "linf");
        Eps = new Option<float?>("--eps") { Description = "Radius of the eps-ball (default: 1.5 for l2, 0.1 for linf)." };
        Steps = new Option<int?>("--steps") { Description = "PGD iterations (default: 7 for training, 20 for evaluation)." };
        StepSize = new Option<float?>("--step-size") { Description = "PGD step size (default: 2.5 * eps / steps)." };
    }

    public Option<string?> Norm { get; }
    public Option<float?> Eps { get; }
    public Option<int?> Steps { get; }
    public Option<float?> StepSize { get; }

    public void AddTo(Command command)
    {
        command.Options.Add(Norm);
        command.Options.Add(Eps);
        command.Options.Add(Steps);
        command.Options.Add(StepSize);
    }

    /// <summary>The attack settings, or null when no norm was given.</summary>
    public AttackSettings? Resolve(System.CommandLine.ParseResult parse, int defaultSteps)
    {
        var norm = parse.GetValue(Norm);
        if (norm is null)
        {
            if (parse.GetValue(Eps) is not null || parse.GetValue(Steps) is not null || parse.GetValue(StepSize) is not null)
                throw new UsageException($"--eps/--steps/--step-size need {Norm.Name} l2|linf");
            return null;
        }
        var threat = norm == "linf" ? ThreatModel.Linf : ThreatModel.L2;
        var eps = parse.GetValue(Eps) ?? (threat == ThreatModel.L2 ? 1.5f : 0.1f);
        var steps = parse.GetValue(Steps) ?? defaultSteps;
        var stepSize = parse.GetValue(StepSize) ?? 2.5f * eps / steps;
        if (!(eps > 0)) throw new UsageException($"--eps must be positive, got {eps}");
        if (steps < 1) throw new UsageException($"--steps must be at least 1, got {steps}");
        if (!(stepSize > 0)) throw new UsageException($"--step-size must be positive, got {stepSize}");
        return new AttackSettings(threat, eps, stepSize, steps, RandomStart: true, KeepBest: false, Targeted: false);
    }
}
