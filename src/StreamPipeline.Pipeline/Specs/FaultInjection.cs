namespace StreamPipeline.Pipeline.Specs;

/// <summary>
/// Faults injected by each device worker around the real perturber (HOCON block <c>faults { ... }</c>),
/// to exercise retries, batch splitting and failover with the real pipeline. All off by default.
/// </summary>
/// <param name="FailEveryNthBatch">Every Nth batch a worker receives fails once; 0 = off.</param>
/// <param name="OomAboveBatchSize">Batches larger than this fail with <c>DeviceOutOfMemoryException</c>; 0 = off.</param>
/// <param name="FailingDevices">Indices into the device list whose worker fails every batch.</param>
public sealed record FaultInjection(int FailEveryNthBatch, int OomAboveBatchSize, IReadOnlyList<int> FailingDevices)
{
    public static FaultInjection None { get; } = new(0, 0, []);

    public bool IsActive => FailEveryNthBatch > 0 || OomAboveBatchSize > 0 || FailingDevices.Count > 0;
}
