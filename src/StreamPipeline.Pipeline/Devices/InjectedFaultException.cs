namespace StreamPipeline.Pipeline.Devices;

/// <summary>A failure injected on purpose by the job spec's <c>faults</c> settings.</summary>
public sealed class InjectedFaultException(string message) : Exception(message);
