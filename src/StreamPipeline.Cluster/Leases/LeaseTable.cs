namespace StreamPipeline.Cluster.Leases;

/// <summary>
/// The coordinator's lease bookkeeping, free of Akka (tests drive it with their own clock): a queue of pending shards,
/// at most one live lease per shard, deadlines extended by renewals, expired leases' shards back at the front of the
/// queue, and the rule that only the current, unexpired lease of a shard may commit it — once. Not thread-safe: the
/// coordinator actor owns it.
/// </summary>
public sealed class LeaseTable
{
    private readonly LinkedList<ShardPlan> _queue;
    private readonly Dictionary<long, Lease> _live = new();
    private readonly Dictionary<int, long> _leaseOfShard = new();
    private readonly HashSet<int> _done = [];
    private readonly Dictionary<int, int> _failures = new();
    private readonly TimeSpan _duration;
    private readonly Func<DateTime> _clock;
    private long _nextLeaseId;

    /// <param name="pending">The shards still to build, in the order to hand them out.</param>
    /// <param name="duration">How long a lease lives without a renewal.</param>
    /// <param name="firstLeaseId">Lease ids continue from here (a restarted coordinator never reuses an id it may have handed out).</param>
    public LeaseTable(IEnumerable<ShardPlan> pending, TimeSpan duration, Func<DateTime> clock, long firstLeaseId = 1)
    {
        if (duration <= TimeSpan.Zero)
            throw new ArgumentException($"lease duration must be positive, got {duration}");
        _queue = new LinkedList<ShardPlan>(pending);
        _duration = duration;
        _clock = clock;
        _nextLeaseId = firstLeaseId - 1;
    }

    public int Pending => _queue.Count;

    public int Leased => _live.Count;

    public int Done => _done.Count;

    /// <summary>Nothing pending and nothing leased: every shard this table was given is committed.</summary>
    public bool IsFinished => _queue.Count == 0 && _live.Count == 0;

    public IEnumerable<Lease> LeasesOf(string worker) => _live.Values.Where(l => l.Worker == worker);

    public IReadOnlyCollection<Lease> Live => _live.Values;

    /// <summary>The next pending shard, leased to <paramref name="worker"/>; null when nothing is pending.</summary>
    public Lease? Grant(string worker)
    {
        var node = _queue.First;
        if (node is null)
            return null;
        _queue.RemoveFirst();
        var now = _clock();
        var lease = new Lease(++_nextLeaseId, node.Value, worker, now, now + _duration);
        _live[lease.LeaseId] = lease;
        _leaseOfShard[lease.Shard.Id] = lease.LeaseId;
        return lease;
    }

    /// <summary>Extends the lease if <paramref name="worker"/> still holds it; false when it is gone (expired, reassigned, committed).</summary>
    public bool Renew(long leaseId, string worker)
    {
        if (!_live.TryGetValue(leaseId, out var lease) || lease.Worker != worker)
            return false;
        if (lease.DeadlineUtc < _clock())
            return false; // expired but not yet collected: the holder lost it
        _live[leaseId] = lease with { DeadlineUtc = _clock() + _duration };
        return true;
    }

    /// <summary>Collects the leases past their deadline; their shards go back to the front of the queue.</summary>
    public IReadOnlyList<Lease> Expire()
    {
        var now = _clock();
        var expired = _live.Values.Where(l => l.DeadlineUtc < now).OrderBy(l => l.Shard.Id).ToList();
        foreach (var lease in expired.AsEnumerable().Reverse())
            Return(lease);
        return expired;
    }

    /// <summary>Gives back every lease of a worker that left or failed; <paramref name="failed"/> counts it against the shards.</summary>
    public IReadOnlyList<Lease> Release(string worker, bool failed = false)
    {
        var leases = LeasesOf(worker).OrderByDescending(l => l.Shard.Id).ToList();
        foreach (var lease in leases)
        {
            Return(lease);
            if (failed)
                _failures[lease.Shard.Id] = _failures.GetValueOrDefault(lease.Shard.Id) + 1;
        }
        return leases;
    }

    /// <summary>Gives back one lease whose worker could not build it; returns how often the shard has failed.</summary>
    public int Fail(long leaseId, string worker)
    {
        if (!_live.TryGetValue(leaseId, out var lease) || lease.Worker != worker)
            return 0;
        Return(lease);
        return _failures[lease.Shard.Id] = _failures.GetValueOrDefault(lease.Shard.Id) + 1;
    }

    /// <summary>May the result of <paramref name="leaseId"/> for <paramref name="shardId"/> from <paramref name="worker"/> be committed?</summary>
    public DeliveryCheck Check(long leaseId, int shardId, string worker)
    {
        if (_done.Contains(shardId))
            return DeliveryCheck.AlreadyDone;
        if (_live.TryGetValue(leaseId, out var lease) && lease.Worker == worker && lease.Shard.Id == shardId)
            return lease.DeadlineUtc < _clock() ? DeliveryCheck.Expired : DeliveryCheck.Current;
        // An id handed out before (by this table, or by an earlier coordinator: ids only grow) has ended.
        return leaseId > 0 && leaseId <= _nextLeaseId ? DeliveryCheck.Expired : DeliveryCheck.Unknown;
    }

    /// <summary>Records the shard of a current lease committed; its lease ends.</summary>
    public void Committed(long leaseId)
    {
        if (!_live.Remove(leaseId, out var lease))
            throw new InvalidOperationException($"lease {leaseId} is not live");
        _leaseOfShard.Remove(lease.Shard.Id);
        _done.Add(lease.Shard.Id);
    }

    /// <summary>The highest lease id handed out (a restarted coordinator starts above it).</summary>
    public long LastLeaseId => _nextLeaseId;

    private void Return(Lease lease)
    {
        _live.Remove(lease.LeaseId);
        _leaseOfShard.Remove(lease.Shard.Id);
        _queue.AddFirst(lease.Shard);
    }
}
