using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Pipeline.Devices;

/// <summary>Wraps a worker's real perturber and fails batches as the job spec's <c>faults</c> ask, before any real work.</summary>
internal sealed class FaultInjectingPerturber(IBatchPerturber inner, int slot, string device, FaultInjection faults) : IBatchPerturber
{
    private long _received;

    public ConstructedBatch Perturb(PerturbRequest request, CancellationToken ct)
    {
        var n = ++_received;
        if (faults.FailingDevices.Contains(slot))
            throw new InjectedFaultException($"injected fault: device #{slot} ({device}) fails every batch");
        if (faults.OomAboveBatchSize > 0 && request.Source.Count > faults.OomAboveBatchSize)
            throw new DeviceOutOfMemoryException($"injected out of memory: a batch of {request.Source.Count} is above {faults.OomAboveBatchSize} on {device}");
        if (faults.FailEveryNthBatch > 0 && n % faults.FailEveryNthBatch == 0)
            throw new InjectedFaultException($"injected transient fault: batch #{n} received by device #{slot} ({device})");
        return inner.Perturb(request, ct);
    }

    public void Dispose() => inner.Dispose();
}
