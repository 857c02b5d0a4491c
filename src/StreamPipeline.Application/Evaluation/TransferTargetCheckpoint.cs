namespace StreamPipeline.Application.Evaluation;

/// <summary>A checkpoint that transferred adversarial examples are shown to, and the name it is reported under.</summary>
public sealed record TransferTargetCheckpoint(string Name, string Model);
