namespace StreamPipeline.Application.Evaluation;

/// <summary>
/// Transferability (Figure 3 of the paper): D_det's targeted attack made on the <see cref="Source"/> checkpoint for the
/// examples of <see cref="Data"/>, shown to each target checkpoint.
/// </summary>
/// <param name="Settings">The attack: a <c>det</c> construction's settings (target (y + 1) mod C, per-example seeds).</param>
public sealed record TransferRequest(
    string Source,
    IReadOnlyList<TransferTargetCheckpoint> Targets,
    string Data,
    ConstructionSettings Settings,
    int BatchSize,
    string? DataRoot,
    long? Limit,
    string Device);
