using System.Collections.Concurrent;
using StreamPipeline.Pipeline.Devices;

namespace StreamPipeline.Pipeline.Tests.TestData;

/// <summary>Makes <see cref="ShiftPerturber"/>s and records every create, perturb and dispose with its thread.</summary>
public sealed class ShiftPerturberFactory(int classes) : IPerturberFactory
{
    private int _nextId;
    private int _live;
    private long _perturbs;

    public int Classes { get; } = classes;

    /// <summary>What the perturber stands in for: targets for det/rand, none for representation matching.</summary>
    public ConstructionKind Construction { get; init; } = ConstructionKind.Det;

    /// <summary>Time each batch takes (waited on the cancellation token).</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Every batch holding this example fails (a permanent, data-dependent failure).</summary>
    public long? PoisonIndex { get; set; }

    /// <summary>Create throws this (a device that cannot start).</summary>
    public Exception? CreateError { get; init; }

    /// <summary>Called at the start of every perturb, on the worker thread.</summary>
    public Action<ShiftPerturber, PerturbRequest>? OnPerturb { get; init; }

    public ConcurrentQueue<ShiftPerturber> Created { get; } = new();

    public ConcurrentQueue<(int Perturber, int Thread, bool PoolThread, long Start, int Count)> Calls { get; } = new();

    public long Perturbs => Interlocked.Read(ref _perturbs);

    public int Live => Volatile.Read(ref _live);

    public int DisposedOnWrongThread;

    public IBatchPerturber Create(string device)
    {
        if (CreateError is not null)
            throw CreateError;
        var perturber = new ShiftPerturber(this, Interlocked.Increment(ref _nextId), device);
        Interlocked.Increment(ref _live);
        Created.Enqueue(perturber);
        return perturber;
    }

    internal void Record(ShiftPerturber perturber, PerturbRequest request)
    {
        Interlocked.Increment(ref _perturbs);
        Calls.Enqueue((perturber.Id, Environment.CurrentManagedThreadId, Thread.CurrentThread.IsThreadPoolThread,
            request.Source.Indices[0], request.Source.Count));
        OnPerturb?.Invoke(perturber, request);
    }

    internal void Disposed(ShiftPerturber perturber)
    {
        if (Environment.CurrentManagedThreadId != perturber.CreatedOnThread)
            Interlocked.Increment(ref DisposedOnWrongThread);
        Interlocked.Decrement(ref _live);
    }
}
