
namespace StreamPipeline.Pipeline.Devices;

/// <summary>
/// The device pool's bookkeeping, free of Akka: a FIFO of work pieces, retries (at the front, preferring slots the
/// piece has not failed on), out-of-memory splits (two halves, merged back in order) and the retry limit.
/// Not thread-safe: the pool actor owns it.
/// </summary>
internal sealed class WorkQueue(int maxRetries)
{
    private readonly LinkedList<WorkUnit> _queue = new();
    private readonly HashSet<WorkRoot> _open = [];
    private long _nextId;

    public int Queued => _queue.Count;

    public int Open => _open.Count;

    public WorkUnit Enqueue(BatchPlan plan, PerturbRequest request, object requester)
    {
        var root = new WorkRoot(plan, requester);
        var unit = new WorkUnit(++_nextId, root, null, request);
        _open.Add(root);
        _queue.AddLast(unit);
        return unit;
    }

    /// <summary>
    /// The first queued piece for <paramref name="slot"/>: one it has not failed on, or one that has failed on every
    /// live slot (then any slot may try again).
    /// </summary>
    public WorkUnit? Take(int slot, IReadOnlyCollection<int> liveSlots)
    {
        for (var node = _queue.First; node is not null; node = node.Next)
        {
            var unit = node.Value;
            if (!unit.FailedOn.Contains(slot) || liveSlots.All(unit.FailedOn.Contains))
            {
                _queue.Remove(node);
                return unit;
            }
        }
        return null;
    }

    /// <summary>Records a piece's result; returns its root when the whole batch is complete (merged, in order).</summary>
    public WorkRoot? Complete(WorkUnit unit, ConstructedBatch result)
    {
        if (unit.Root.Finished)
            return null;
        unit.Result = result;
        var node = unit;
        while (node.Parent is { } parent && parent.First?.Result is { } first && parent.Second?.Result is { } second)
        {
            parent.Result = BatchSplitter.Merge(first, second);
            parent.First = parent.Second = null;
            node = parent;
        }
        if (node.Parent is not null)
            return null;
        var root = node.Root;
        root.Finished = true;
        root.Result = node.Result;
        _open.Remove(root);
        return root;
    }

    /// <summary>Records a failed attempt: split (out of memory, ≥ 2 examples), retry, or fail the batch for good.</summary>
    public FailOutcome Fail(WorkUnit unit, int slot, string error, bool outOfMemory)
    {
        var root = unit.Root;
        if (root.Finished)
            return FailOutcome.Ignored;
        if (outOfMemory && unit.Request.Source.Count >= 2)
        {
            var (first, second) = BatchSplitter.Split(unit.Request);
            unit.First = new WorkUnit(++_nextId, root, unit, first);
            unit.Second = new WorkUnit(++_nextId, root, unit, second);
            // Both halves go to the front: the stream waits for this batch before any later one.
            _queue.AddFirst(unit.Second);
            _queue.AddFirst(unit.First);
            return FailOutcome.Split;
        }
        unit.Failures++;
        unit.FailedOn.Add(slot);
        if (unit.Failures > maxRetries)
        {
            var source = unit.Request.Source;
            Finish(root, new BatchFailedException(root.Plan, source.Indices[0], source.Count, unit.Failures, error));
            return FailOutcome.Failed;
        }
        _queue.AddFirst(unit);
        return FailOutcome.Retried;
    }

    /// <summary>Fails every open batch (queued or in flight) with <paramref name="error"/>; returns them.</summary>
    public IReadOnlyList<WorkRoot> FailAll(Func<WorkRoot, Exception> error)
    {
        var roots = _open.ToArray();
        foreach (var root in roots)
            Finish(root, error(root));
        return roots;
    }

    private void Finish(WorkRoot root, Exception error)
    {
        root.Finished = true;
        root.Error = error;
        _open.Remove(root);
        for (var node = _queue.First; node is not null;)
        {
            var next = node.Next;
            if (node.Value.Root == root)
                _queue.Remove(node);
            node = next;
        }
    }
}

/// <summary>What <see cref="WorkQueue.Fail"/> did with a failed piece.</summary>
internal enum FailOutcome
{
    Ignored,
    Split,
    Retried,
    Failed,
}

/// <summary>One batch as asked for by the stream; finished with a merged result or an error.</summary>
internal sealed class WorkRoot(BatchPlan plan, object requester)
{
    public BatchPlan Plan { get; } = plan;
    public object Requester { get; } = requester;
    public bool Finished { get; set; }
    public ConstructedBatch? Result { get; set; }
    public Exception? Error { get; set; }
}

/// <summary>A piece of a batch (the whole batch, or a half of a piece that ran out of memory).</summary>
internal sealed class WorkUnit(long id, WorkRoot root, WorkUnit? parent, PerturbRequest request)
{
    public long Id { get; } = id;
    public WorkRoot Root { get; } = root;
    public WorkUnit? Parent { get; } = parent;
    public PerturbRequest Request { get; } = request;
    public int Failures { get; set; }
    public HashSet<int> FailedOn { get; } = [];
    public WorkUnit? First { get; set; }
    public WorkUnit? Second { get; set; }
    public ConstructedBatch? Result { get; set; }
}
