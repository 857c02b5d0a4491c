using Akka.Actor;
using Akka.Streams;
using StreamPipeline.Cluster.Protocol;
using StreamPipeline.Pipeline.Devices;
using StreamPipeline.Pipeline.Streaming;
using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Cluster.Workers;

/// <summary>
/// One connection of a worker to its coordinator, on one actor system: register, check the job, then pull leases while
/// there is room (work pulling), feed them to the local build stream, renew the leases held, deliver what is built.
/// Ends when the coordinator says the job is finished or failed (in answer to a registration, a lease request, a renewal
/// or a delivery; a restarted coordinator of a finished job says so at once), refuses the worker, or cannot be reached
/// (then the worker starts a new session). Every answer of the coordinator is
/// reported to <paramref name="heard"/> (true): the worker's give-up clock; false while the job is being prepared here.
/// </summary>
internal sealed class WorkerSession(ActorSystem system, WorkerOptions options, ClusterSettings settings, PipelineMetrics metrics,
    Func<JobOffer, PreparedWork> prepare, WorkerTally tally, Action<string> say, Action<bool> heard)
{
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource<JobFinished> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<int, long> _held = new();
    private readonly SemaphoreSlim _room = new(0);

    /// <summary>The coordinator was reached (the worker's give-up clock restarts).</summary>
    public bool Connected { get; private set; }

    public async Task<WorkerOutcome?> RunAsync(CancellationToken ct)
    {
        var name = $"{options.Endpoint.PublicHost}:{Akka.Cluster.Cluster.Get(system).SelfAddress.Port}";
        // The port is known only now that the system listens (a worker's default --port 0): the metrics say the same name.
        metrics.Identify(name);
        var coordinator = await FindCoordinator(ct).ConfigureAwait(false);
        if (coordinator is null)
            return null;
        var offerReply = await Ask<object>(coordinator, new RegisterWorker(name, options.Devices, options.PinnedSpecHash), ct).ConfigureAwait(false);
        Connected = true;
        switch (offerReply)
        {
            case WorkerRefused refused:
                return tally.Outcome(WorkerEnd.Refused, $"the coordinator at {options.Coordinator} refused this worker: {refused.Reason}");
            case JobFinished finished:
                // A coordinator restarted on a job that was finished meanwhile (killed after its last commit).
                return Ended(finished, stream: null);
        }
        var offer = (JobOffer)offerReply;
        PreparedWork work;
        heard(false);
        try
        {
            work = prepare(offer);
        }
        catch (WorkerCannotServeException e)
        {
            // Asks, not tells: the coordinator knows a worker by the address its messages come from.
            await Ask<Acknowledged>(coordinator, new WorkerRefusesJob(name, e.Message), ct).ConfigureAwait(false);
            return tally.Outcome(WorkerEnd.Refused, e.Message);
        }
        finally
        {
            heard(true);
        }
        await Ask<Acknowledged>(coordinator, new WorkerReady(name), ct).ConfigureAwait(false);
        say($"serving job {offer.SpecHash[..12]} ({offer.ShardsTotal} shards) from {options.Coordinator} as {name}");

        var capacity = settings.LeasesPerDevice * work.Spec.Devices.Count;
        _room.Release(capacity);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var target = new DeliveringShardTarget(work.Sink, coordinator, name, LeaseOf, Delivered, f => _ended.TrySetResult(f), settings, system.Materializer());
        var stream = ShardStream.Open(system, work.Spec, work.Data, work.StartIndexFor, work.Perturbers, target,
            new BuildScope(offer.ShardsTotal, offer.TotalExamples, 0, 0), metrics, observer: null, stop.Token, queueSize: capacity);
        var streamDone = stream.RunAsync();
        var renewals = RenewLoop(coordinator, name, offer.RenewInterval, stop.Token);
        WorkerOutcome? outcome = null;
        try
        {
            outcome = await PullLoop(coordinator, name, stream, streamDone, stop.Token).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            say($"the coordinator at {options.Coordinator} stopped answering");
        }
        finally
        {
            // A stream still running ends with the session; its shards go back to the queue at their deadline.
            if (!streamDone.IsCompleted)
                stream.Abort(new OperationCanceledException("the session ended"));
            await stop.CancelAsync().ConfigureAwait(false);
        }
        try
        {
            await streamDone.ConfigureAwait(false);
        }
        catch (BatchFailedException e)
        {
            foreach (var leaseId in HeldLeases())
            {
                try
                {
                    await coordinator.Ask<Acknowledged>(new ShardBuildFailed(name, leaseId, e.Message), settings.AskTimeout, CancellationToken.None).ConfigureAwait(false);
                }
                catch (AskTimeoutException)
                {
                    // The lease expires at its deadline anyway.
                }
            }
            return tally.Outcome(WorkerEnd.JobFailed, e.Message);
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            // Stopped with the session (or failed because the coordinator went away mid-delivery).
        }
        try
        {
            await renewals.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        return outcome;
    }

    private async Task<WorkerOutcome?> PullLoop(IActorRef coordinator, string name, ShardStream stream, Task streamDone, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            // Work pulling: ask only when a lease can be worked on at once.
            var room = _room.WaitAsync(ct);
            var woke = await Task.WhenAny(room, streamDone, _ended.Task).ConfigureAwait(false);
            if (woke == _ended.Task)
                return Ended(_ended.Task.Result, stream);
            if (woke == streamDone)
                return null; // the stream failed: RunAsync reports it
            await room.ConfigureAwait(false);
            var reply = await Ask<object>(coordinator, new RequestLease(name), ct).ConfigureAwait(false);
            switch (reply)
            {
                case LeaseGranted lease:
                    lock (_gate) _held[lease.ShardId] = lease.LeaseId;
                    await stream.OfferAsync(new ShardPlan(lease.ShardId, lease.Start, lease.Count)).ConfigureAwait(false);
                    break;
                case NoLeaseNow wait:
                    _room.Release();
                    await Task.Delay(wait.RetryAfter, ct).ConfigureAwait(false);
                    break;
                case JobFinished finished:
                    return Ended(finished, stream);
                case WorkerRefused refused:
                    return tally.Outcome(WorkerEnd.Refused, $"the coordinator at {options.Coordinator} refused this worker: {refused.Reason}");
                default:
                    throw new InvalidOperationException($"the coordinator answered {reply.GetType().Name} to a lease request");
            }
        }
        return null;
    }

    private async Task RenewLoop(IActorRef coordinator, string name, TimeSpan interval, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(interval, ct).ConfigureAwait(false);
            var held = HeldLeases();
            if (held.Length == 0)
                continue;
            try
            {
                switch (await Ask<object>(coordinator, new RenewLeases(name, held), ct).ConfigureAwait(false))
                {
                    case LeasesRenewed { Lost.Length: > 0 } renewed:
                        say($"lost {renewed.Lost.Length} lease(s) (expired or reassigned); whatever they build will be discarded");
                        break;
                    case JobFinished finished:
                        _ended.TrySetResult(finished);
                        return;
                }
            }
            catch (AskTimeoutException)
            {
                // The pull loop notices a coordinator that is gone; a missed renewal alone is not fatal.
            }
        }
    }

    /// <summary>
    /// The coordinator says the job is over (every shard committed, or it failed the job): it takes nothing more, so what
    /// is still being built here is dropped rather than delivered to a coordinator that may be gone by then.
    /// </summary>
    private WorkerOutcome Ended(JobFinished finished, ShardStream? stream)
    {
        stream?.Abort(new OperationCanceledException("the job has ended"));
        return finished.Complete
            ? tally.Outcome(WorkerEnd.JobFinished, finished.Message)
            : tally.Outcome(WorkerEnd.JobFailed, $"the coordinator at {options.Coordinator} failed the job: {finished.Message}");
    }

    /// <summary>An ask of the coordinator; its answer restarts the worker's give-up clock.</summary>
    private async Task<T> Ask<T>(IActorRef coordinator, object message, CancellationToken ct)
    {
        var answer = await coordinator.Ask<T>(message, settings.AskTimeout, ct).ConfigureAwait(false);
        heard(true);
        return answer;
    }

    private long? LeaseOf(int shardId)
    {
        lock (_gate) return _held.TryGetValue(shardId, out var lease) ? lease : null;
    }

    private long[] HeldLeases()
    {
        lock (_gate) return _held.Values.ToArray();
    }

    private void Delivered(int shardId, bool accepted)
    {
        heard(true);
        lock (_gate) _held.Remove(shardId);
        tally.Delivered(accepted);
        _room.Release();
    }

    private async Task<IActorRef?> FindCoordinator(CancellationToken ct)
    {
        var path = ClusterSystem.CoordinatorPath(system, options.Coordinator);
        var until = DateTime.UtcNow + settings.AskTimeout;
        while (DateTime.UtcNow < until && !ct.IsCancellationRequested && !system.WhenTerminated.IsCompleted)
        {
            try
            {
                return await system.ActorSelection(path).ResolveOne(TimeSpan.FromSeconds(3), ct).ConfigureAwait(false);
            }
            catch (ActorNotFoundException)
            {
                await Task.Delay(500, ct).ConfigureAwait(false);
            }
        }
        return null;
    }
}
