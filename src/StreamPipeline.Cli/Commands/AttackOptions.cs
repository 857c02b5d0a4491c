using System.CommandLine;
using StreamPipeline.Application;

namespace StreamPipeline.Cli.Commands;

/// <summary>The untargeted PGD options of train (--adversarial) and evaluate (--attack); defaults from config/attacks/untargeted.conf.</summary>
public sealed class AttackOptions
{
    private readonly UntargetedPurpose _purpose;

    public AttackOptions(string normOption, string normDescription, UntargetedPurpose purpose)
    {
        _purpose = purpose;
        Norm = new Option<string?>(normOption) { Description = normDescription };
        Norm.AcceptOnlyFromAmong(Names.Norm.Of(ThreatModel.L2), Names.Norm.Of(ThreatModel.Linf));
        Eps = new Option<double?>("--eps") { Description = "Radius of the eps-ball (default: config/attacks/untargeted.conf, 1.5 for l2, 0.1 for linf)." };
        Steps = new Option<int?>("--steps")
        {
            Description = $"PGD iterations (default: config/attacks/untargeted.conf, {(purpose == UntargetedPurpose.Train ? "7 for training" : "20 for evaluation")}).",
        };
        StepSize = new Option<double?>("--step-size") { Description = "PGD step size (default: 2.5 * eps / steps)." };
    }

    public Option<string?> Norm { get; }
    public Option<double?> Eps { get; }
    public Option<int?> Steps { get; }
    public Option<double?> StepSize { get; }

    public void AddTo(Command command)
    {
        command.Options.Add(Norm);
        command.Options.Add(Eps);
        command.Options.Add(Steps);
        command.Options.Add(StepSize);
    }

    /// <summary>The attack settings, or null when no norm was given.</summary>
    public AttackSettings? Resolve(ParseResult parse)
    {
        var norm = parse.GetValue(Norm);
        if (norm is null)
        {
            if (parse.GetValue(Eps) is not null || parse.GetValue(Steps) is not null || parse.GetValue(StepSize) is not null)
                throw new UsageException($"--eps/--steps/--step-size need {Norm.Name} l2|linf");
            return null;
        }
        if (parse.GetValue(Steps) is < 1) throw new UsageException($"--steps must be at least 1, got {parse.GetValue(Steps)}");
        return UntargetedAttacks.Resolve(Names.Norm.Parse(norm), parse.GetValue(Eps), parse.GetValue(Steps), parse.GetValue(StepSize), _purpose);
    }
}
