namespace StreamPipeline.Application.Evaluation;

/// <summary>A checkpoint to evaluate on a dataset, optionally under an untargeted attack (robust accuracy).</summary>
public sealed record EvaluateRequest(
    string Model, string Data, AttackSettings? Attack, int BatchSize, int Seed, string? DataRoot, long? Limit, string Device);
