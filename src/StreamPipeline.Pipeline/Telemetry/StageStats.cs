namespace StreamPipeline.Pipeline.Telemetry;

/// <summary>Totals of one stage: examples and batches through it, batches in it now, seconds spent in it.</summary>
public sealed record StageStats(long Items, long Batches, long InFlight, double Seconds);
