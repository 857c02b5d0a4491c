namespace StreamPipeline.Bench;

/// <summary>
/// The timed window of a pipeline or cluster phase, marked from the threads where it opens and closes: it opens when
/// the first device worker is warmed up and ready (<see cref="WarmedPerturberFactory"/>) and closes when the last shard
/// is committed. Each end is marked once; later marks are ignored. Also records the torch thread count each device saw.
/// </summary>
/// <param name="opened">Called once, on the thread that opens the window, right after it opened.</param>
public sealed class PhaseWindow(Action? opened = null)
{
    private ProcessSample? _start;
    private ProcessSample? _end;
    private readonly List<int> _torchThreads = [];

    public ProcessSample? Start => Volatile.Read(ref _start);

    public ProcessSample? End => Volatile.Read(ref _end);

    public IReadOnlyList<int> TorchThreads
    {
        get
        {
            lock (_torchThreads) return [.. _torchThreads];
        }
    }

    /// <summary>Whether a device reported ready from the process's main thread.</summary>
    public bool OnMainThread { get; private set; }

    /// <summary>A device is ready, with this many torch intra-op threads; the first one opens the window.</summary>
    public void DeviceReady(int torchThreads, bool onMainThread = false)
    {
        lock (_torchThreads)
        {
            _torchThreads.Add(torchThreads);
            OnMainThread |= onMainThread;
        }
        if (Start is null && Interlocked.CompareExchange(ref _start, ProcessSample.Take(), null) is null)
            opened?.Invoke();
    }

    /// <summary>The last shard is committed: closes the window (only once it is open).</summary>
    public void Finished()
    {
        if (Start is not null && End is null)
            Interlocked.CompareExchange(ref _end, ProcessSample.Take(), null);
    }

    /// <summary>The window's cost; throws when it never opened or closed (the phase did not run as planned).</summary>
    public PhaseCost Cost(string phase) =>
        (Start, End) is ({ } start, { } end)
            ? start.To(end)
            : throw new InvalidOperationException($"bench {phase} phase: {(Start is null ? "no device worker reported ready" : "the last commit was not observed")}");
}
