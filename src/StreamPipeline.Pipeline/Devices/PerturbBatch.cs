namespace StreamPipeline.Pipeline.Devices;

/// <summary>Ask the <see cref="DevicePool"/> to perturb a batch; the reply is <see cref="BatchPerturbed"/> or a failure.</summary>
public sealed record PerturbBatch(BatchPlan Plan, PerturbRequest Request);
