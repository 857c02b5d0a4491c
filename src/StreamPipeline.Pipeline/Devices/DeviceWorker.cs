using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using StreamPipeline.Data.Threading;
using StreamPipeline.Pipeline.Specs;
using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Pipeline.Devices;

/// <summary>
/// Holds one device for the <see cref="DevicePool"/>: runs on its own thread (the pinned device dispatcher), creates
/// its perturber there when it starts, perturbs one piece at a time synchronously and reports to the pool.
/// A CPU worker does its torch work on the process's main thread instead when it can borrow it (<see cref="MainThread"/>:
/// only there does glibc reuse blocks above 64 MiB), still synchronously, so nothing else changes.
/// Failures are reported, not thrown: the pool decides about retries and restarts.
/// </summary>
public sealed class DeviceWorker : ReceiveActor
{
    private readonly int _slot;
    private readonly int _incarnation;
    private readonly string _device;
    private readonly IPerturberFactory _factory;
    private readonly FaultInjection _faults;
    private readonly PipelineMetrics _metrics;
    private readonly CancellationToken _ct;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IBatchPerturber? _perturber;
    private MainThreadLoan? _mainThread;

    public DeviceWorker(int slot, int incarnation, string device, IPerturberFactory factory, FaultInjection faults, PipelineMetrics metrics, CancellationToken ct)
    {
        _slot = slot;
        _incarnation = incarnation;
        _device = device;
        _factory = factory;
        _faults = faults;
        _metrics = metrics;
        _ct = ct;
        Receive<DeviceWork>(Perturb);
    }

    public static Props Props(int slot, int incarnation, string device, IPerturberFactory factory, FaultInjection faults, PipelineMetrics metrics, CancellationToken ct) =>
        Akka.Actor.Props.Create(() => new DeviceWorker(slot, incarnation, device, factory, faults, metrics, ct))
            .WithDispatcher(PipelineSystem.DeviceDispatcherId);

    protected override void PreStart()
    {
        // PreStart runs on this actor's pinned thread, like every Perturb and the Dispose in PostStop; the torch work in
        // them runs on the main thread instead when this worker holds it, from creation to disposal.
        try
        {
            _mainThread = MainThread.TryBorrowFor(_device);
            _perturber = OnTorchThread(() => new FaultInjectingPerturber(_factory.Create(_device), _slot, _device, _faults));
            Context.Parent.Tell(new WorkerStarted(_slot, _incarnation, Environment.CurrentManagedThreadId));
        }
        catch (Exception e)
        {
            // The main thread goes back at once: the worker that replaces this one may start before this one stops.
            _mainThread?.Dispose();
            _mainThread = null;
            Context.Parent.Tell(new WorkerStartFailed(_slot, _incarnation, DeviceErrors.Describe(e)));
        }
    }

    private void Perturb(DeviceWork work)
    {
        if (_perturber is null)
        {
            Context.Parent.Tell(new DeviceWorkFailed(_slot, _incarnation, work.UnitId, "device worker has no perturber", false));
            return;
        }
        using var busy = _metrics.DeviceBusy(_device);
        try
        {
            var perturber = _perturber;
            var result = OnTorchThread(() => perturber.Perturb(work.Request, _ct));
            BatchSplitter.CheckResult(work.Request, result);
            Context.Parent.Tell(new DeviceWorkDone(_slot, _incarnation, work.UnitId, result));
        }
        catch (Exception e)
        {
            Context.Parent.Tell(new DeviceWorkFailed(_slot, _incarnation, work.UnitId, DeviceErrors.Describe(e), DeviceErrors.IsOutOfMemory(e)));
        }
    }

    protected override void PostStop()
    {
        try
        {
            if (_perturber is { } perturber) OnTorchThread(() => { perturber.Dispose(); return true; });
        }
        catch (Exception e)
        {
            _log.Warning("Disposing the perturber of device {0} (worker {1}) failed: {2}", _device, _slot, DeviceErrors.Describe(e));
        }
        finally
        {
            _perturber = null;
            _mainThread?.Dispose();
            _mainThread = null;
        }
    }

    /// <summary>Where torch work of this worker runs: the main thread while this worker holds it, else this thread.</summary>
    private T OnTorchThread<T>(Func<T> work) => _mainThread is { } loan ? loan.Run(work) : work();
}
