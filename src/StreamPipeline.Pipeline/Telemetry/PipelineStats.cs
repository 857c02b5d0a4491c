namespace StreamPipeline.Pipeline.Telemetry;

/// <summary>A snapshot of the pipeline's counters (the same figures as the OpenTelemetry instruments), for progress views.</summary>
public sealed record PipelineStats(
    StageStats Load,
    StageStats Perturb,
    StageStats Relabel,
    StageStats Persist,
    long ShardsCommitted,
    long RowsWritten,
    long BytesWritten,
    long Retries,
    long Splits,
    long AttackAttempts,
    long AttackSuccesses,
    IReadOnlyDictionary<string, double> DeviceBusySeconds)
{
    public double AttackSuccessRate => AttackAttempts == 0 ? 0 : (double)AttackSuccesses / AttackAttempts;

    public StageStats Stage(PipelineStage stage) => stage switch
    {
        PipelineStage.Load => Load,
        PipelineStage.Perturb => Perturb,
        PipelineStage.Relabel => Relabel,
        PipelineStage.Persist => Persist,
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, null),
    };
}
