namespace StreamPipeline.Pipeline.Devices;

// Messages between the DevicePool and its DeviceWorkers. Each carries the worker's slot and incarnation so the
// pool can ignore what a stopped incarnation still sends.

/// <summary>Pool → worker: perturb this piece of work.</summary>
internal sealed record DeviceWork(long UnitId, PerturbRequest Request);

/// <summary>Worker → pool: its perturber is ready (created on thread <paramref name="ThreadId"/>).</summary>
internal sealed record WorkerStarted(int Slot, int Incarnation, int ThreadId);

/// <summary>Worker → pool: creating its perturber failed.</summary>
internal sealed record WorkerStartFailed(int Slot, int Incarnation, string Error);

/// <summary>Worker → pool: the piece is done.</summary>
internal sealed record DeviceWorkDone(int Slot, int Incarnation, long UnitId, ConstructedBatch Result);

/// <summary>Worker → pool: the piece failed.</summary>
internal sealed record DeviceWorkFailed(int Slot, int Incarnation, long UnitId, string Error, bool OutOfMemory);

/// <summary>Pool → itself: the backoff of a failed slot is over; start a new worker there.</summary>
internal sealed record RestartWorker(int Slot);

/// <summary>Pool → itself: the attempt of piece <paramref name="UnitId"/> on this worker has run past the batch timeout.</summary>
internal sealed record AttemptDeadline(int Slot, int Incarnation, long UnitId);
