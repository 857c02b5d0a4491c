using Akka.Actor;
using Akka.Event;
using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Pipeline.Devices;

/// <summary>
/// Supervises one <see cref="DeviceWorker"/> per entry of the device list (a device named twice gets two workers)
/// and answers <see cref="PerturbBatch"/> asks with <see cref="BatchPerturbed"/> or a <see cref="Status.Failure"/>.
/// Batches queue until a worker is idle. A failed worker is stopped and restarted after a backoff, and its batch
/// retried first, on another worker when one is alive; a batch out of device memory is split in halves; a batch that
/// fails more than max-retries times fails with <see cref="BatchFailedException"/>. Nothing is dropped silently.
/// The bookkeeping lives in <see cref="WorkQueue"/>.
/// </summary>
public sealed class DevicePool : ReceiveActor, IWithTimers
{
    private enum SlotState
    {
        Starting,
        Idle,
        Busy,
        BackingOff,
        Retired,
    }

    private sealed class Slot(int index, string device)
    {
        public int Index { get; } = index;
        public string Device { get; } = device;
        public IActorRef? Worker { get; set; }
        public int Incarnation { get; set; }
        public SlotState State { get; set; } = SlotState.Starting;
        public WorkUnit? Current { get; set; }
        public int ConsecutiveFailures { get; set; }
        public int StartFailures { get; set; }
        public string? LastError { get; set; }
    }

    private readonly DevicePoolSettings _settings;
    private readonly IPerturberFactory _factory;
    private readonly PipelineMetrics _metrics;
    private readonly CancellationToken _ct;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Slot[] _slots;
    private readonly WorkQueue _queue;
    private int _nextSlot;

    public DevicePool(DevicePoolSettings settings, IPerturberFactory factory, PipelineMetrics metrics, CancellationToken ct)
    {
        if (settings.Devices.Count == 0)
            throw new ArgumentException("a device pool needs at least one device");
        _settings = settings;
        _factory = factory;
        _metrics = metrics;
        _ct = ct;
        _slots = settings.Devices.Select((device, i) => new Slot(i, device)).ToArray();
        _queue = new WorkQueue(settings.MaxRetries);

        Receive<PerturbBatch>(OnPerturbBatch);
        Receive<WorkerStarted>(OnWorkerStarted);
        Receive<WorkerStartFailed>(OnWorkerStartFailed);
        Receive<DeviceWorkDone>(OnWorkDone);
        Receive<DeviceWorkFailed>(OnWorkFailed);
        Receive<RestartWorker>(OnRestartWorker);
        Receive<AttemptDeadline>(OnAttemptDeadline);
        Receive<Terminated>(OnTerminated);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(DevicePoolSettings settings, IPerturberFactory factory, PipelineMetrics metrics, CancellationToken ct) =>
        Akka.Actor.Props.Create(() => new DevicePool(settings, factory, metrics, ct));

    // A worker that throws past its own handlers is stopped; Terminated then treats it like a failed worker.
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    protected override void PreStart()
    {
        foreach (var slot in _slots)
            Spawn(slot);
    }

    protected override void PostStop()
    {
        foreach (var root in _queue.FailAll(_ => new OperationCanceledException("the device pool stopped before the batch was done")))
            Reply(root);
    }

    private void OnPerturbBatch(PerturbBatch message)
    {
        if (_ct.IsCancellationRequested)
        {
            Sender.Tell(new Status.Failure(new OperationCanceledException(_ct)));
            return;
        }
        if (_slots.All(s => s.State == SlotState.Retired))
        {
            Sender.Tell(new Status.Failure(NoWorkerError()));
            return;
        }
        _queue.Enqueue(message.Plan, message.Request, Sender);
        Dispatch();
    }

    private void OnWorkerStarted(WorkerStarted message)
    {
        if (Current(message.Slot, message.Incarnation) is not { } slot)
            return;
        slot.State = SlotState.Idle;
        slot.StartFailures = 0;
        _log.Debug("Device worker {0} ({1}) started on thread {2}", slot.Index, slot.Device, message.ThreadId);
        Dispatch();
    }

    private void OnWorkerStartFailed(WorkerStartFailed message)
    {
        if (Current(message.Slot, message.Incarnation) is not { } slot)
            return;
        slot.StartFailures++;
        slot.LastError = message.Error;
        if (slot.StartFailures > _settings.MaxRetries)
        {
            _log.Error("Device {0} (worker {1}) failed to start {2} times, giving it up: {3}", slot.Device, slot.Index, slot.StartFailures, message.Error);
            StopWorker(slot);
            slot.State = SlotState.Retired;
            if (_slots.All(s => s.State == SlotState.Retired))
            {
                var error = NoWorkerError();
                foreach (var root in _queue.FailAll(_ => error))
                    Reply(root);
            }
            Dispatch();
            return;
        }
        _log.Warning("Device {0} (worker {1}) failed to start: {2}", slot.Device, slot.Index, message.Error);
        RestartLater(slot);
    }

    private void OnWorkDone(DeviceWorkDone message)
    {
        if (Current(message.Slot, message.Incarnation) is not { } slot || slot.Current is not { } unit || unit.Id != message.UnitId)
            return;
        slot.Current = null;
        Timers.Cancel(("deadline", slot.Index));
        slot.State = SlotState.Idle;
        slot.ConsecutiveFailures = 0;
        if (_queue.Complete(unit, message.Result) is { } root)
            Reply(root);
        Dispatch();
    }

    private void OnWorkFailed(DeviceWorkFailed message)
    {
        if (Current(message.Slot, message.Incarnation) is not { } slot || slot.Current is not { } unit || unit.Id != message.UnitId)
            return;
        slot.Current = null;
        Timers.Cancel(("deadline", slot.Index));
        slot.LastError = message.Error;
        Failed(slot, unit, message.Error, message.OutOfMemory);
        if (message.OutOfMemory)
            slot.State = SlotState.Idle; // the device is fine, the batch was too big for it
        else
            RestartLater(slot);
        Dispatch();
    }

    private void OnAttemptDeadline(AttemptDeadline message)
    {
        if (Current(message.Slot, message.Incarnation) is not { } slot || slot.Current is not { } unit || unit.Id != message.UnitId)
            return;
        // A worker stuck in device code cannot be interrupted: it is abandoned (its incarnation's late answer is
        // ignored), a fresh one takes the slot after the backoff, and the batch is retried.
        slot.Current = null;
        var error = $"no answer within device-pool.batch-timeout ({_settings.BatchTimeout}); the worker is considered hung";
        slot.LastError = error;
        Failed(slot, unit, error, outOfMemory: false);
        RestartLater(slot);
        Dispatch();
    }

    private void OnRestartWorker(RestartWorker message)
    {
        var slot = _slots[message.Slot];
        if (slot.State == SlotState.BackingOff && !_ct.IsCancellationRequested)
            Spawn(slot);
    }

    private void OnTerminated(Terminated message)
    {
        var slot = _slots.FirstOrDefault(s => s.Worker is not null && s.Worker.Equals(message.ActorRef));
        if (slot is null)
            return; // an incarnation we stopped ourselves
        slot.Worker = null;
        const string error = "device worker stopped unexpectedly";
        slot.LastError = error;
        if (slot.Current is { } unit)
        {
            slot.Current = null;
            Failed(slot, unit, error, outOfMemory: false);
        }
        RestartLater(slot);
        Dispatch();
    }

    private void Failed(Slot slot, WorkUnit unit, string error, bool outOfMemory)
    {
        if (_ct.IsCancellationRequested)
        {
            foreach (var root in _queue.FailAll(_ => new OperationCanceledException(_ct)))
                Reply(root);
            return;
        }
        switch (_queue.Fail(unit, slot.Index, error, outOfMemory))
        {
            case FailOutcome.Split:
                _metrics.Split(slot.Device);
                _log.Info("{0}: out of memory on device {1} with {2} examples, splitting: {3}", unit.Root.Plan, slot.Device, unit.Request.Source.Count, error);
                break;
            case FailOutcome.Retried:
                _metrics.Retried(slot.Device);
                _log.Warning("{0}: attempt {1} failed on device {2} (worker {3}), retrying: {4}", unit.Root.Plan, unit.Failures, slot.Device, slot.Index, error);
                break;
            case FailOutcome.Failed:
                _log.Error("{0}", unit.Root.Error!.Message);
                Reply(unit.Root);
                break;
            case FailOutcome.Ignored:
                break;
        }
    }

    private void Dispatch()
    {
        if (_ct.IsCancellationRequested)
            return;
        var live = _slots.Where(s => s.State != SlotState.Retired).Select(s => s.Index).ToArray();
        // Start the scan at a rotating slot so that equal workers share the batches.
        for (var k = 0; k < _slots.Length && _queue.Queued > 0; k++)
        {
            var slot = _slots[(_nextSlot + k) % _slots.Length];
            if (slot.State != SlotState.Idle || _queue.Take(slot.Index, live) is not { } unit)
                continue;
            slot.State = SlotState.Busy;
            slot.Current = unit;
            slot.Worker!.Tell(new DeviceWork(unit.Id, unit.Request));
            Timers.StartSingleTimer(("deadline", slot.Index), new AttemptDeadline(slot.Index, slot.Incarnation, unit.Id), _settings.BatchTimeout);
        }
        _nextSlot = (_nextSlot + 1) % _slots.Length;
    }

    private void Spawn(Slot slot)
    {
        slot.Incarnation++;
        slot.State = SlotState.Starting;
        slot.Worker = Context.ActorOf(
            DeviceWorker.Props(slot.Index, slot.Incarnation, slot.Device, _factory, _settings.Faults, _metrics, _ct),
            $"worker-{slot.Index}-{slot.Incarnation}");
        Context.Watch(slot.Worker);
    }

    private void RestartLater(Slot slot)
    {
        StopWorker(slot);
        slot.ConsecutiveFailures++;
        slot.State = SlotState.BackingOff;
        var delay = _settings.Backoff(slot.ConsecutiveFailures);
        Timers.StartSingleTimer(("restart", slot.Index), new RestartWorker(slot.Index), delay);
    }

    private void StopWorker(Slot slot)
    {
        if (slot.Worker is null)
            return;
        // Stopping disposes the perturber on the worker's thread (PostStop) and gives the device a clean start.
        Context.Unwatch(slot.Worker);
        Context.Stop(slot.Worker);
        slot.Worker = null;
    }

    private Slot? Current(int index, int incarnation)
    {
        var slot = _slots[index];
        return slot.Worker is not null && slot.Incarnation == incarnation ? slot : null;
    }

    private static void Reply(WorkRoot root)
    {
        var requester = (IActorRef)root.Requester;
        if (root.Error is { } error)
            requester.Tell(new Status.Failure(error));
        else
            requester.Tell(new BatchPerturbed(root.Plan, root.Result!));
    }

    private DevicePoolException NoWorkerError() => new(
        "no device worker could start: " + string.Join("; ", _slots.Select(s => $"{s.Device} (#{s.Index}): {s.LastError}")));
}
