using System.Diagnostics;
using System.Security.Cryptography;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;
using StreamPipeline.Cluster.Leases;
using StreamPipeline.Cluster.Protocol;
using StreamPipeline.Data;
using StreamPipeline.Data.Files;
using StreamPipeline.Data.Parquet;

namespace StreamPipeline.Cluster.Coordination;

/// <summary>
/// The coordinator of one job: owns the job directory (locked, resumed from its manifest) and hands out shard leases
/// to workers that ask (work pulling). A delivered shard is streamed into a temporary file beside its final name,
/// checked (size, SHA-256, row count, spec hash), and committed — fsync, rename, manifest — only if the lease is still
/// the shard's current one; anything else is discarded and counted. A worker that stops renewing loses its leases at
/// the deadline; one that leaves the cluster loses them at once. Completes <paramref name="done"/> when every shard is
/// committed, a shard failed too often, or the coordinator cannot commit (a write, fsync or rename of its own files
/// failed: a full disk is the coordinator's failure, never the worker's bytes). From then on every worker's request,
/// renewal or delivery is answered with <see cref="JobFinished"/>, so the workers end with the job.
/// </summary>
public sealed class JobCoordinator : ReceiveActor, IWithTimers
{
    private sealed class WorkerState(string name, IActorRef actor)
    {
        public string Name { get; } = name;
        public IActorRef Actor { get; set; } = actor;
        public bool Ready { get; set; }
        public bool Alive { get; set; } = true;
        public int Shards { get; set; }
        public long Rows { get; set; }
        public int Discarded { get; set; }
        public Stopwatch? FirstLease { get; set; }
    }

    private sealed record Upload(string Worker, Lease Lease, DeliverShard Delivery, IActorRef ReplyTo, string TempPath);

    /// <param name="Error">What is wrong with the worker's bytes.</param>
    /// <param name="LocalError">What went wrong on this side writing them (a full disk): the job cannot go on.</param>
    private sealed record UploadChecked(Upload Upload, string? Sha256, long Bytes, long Rows, string? SpecHash, string? Error, string? LocalError = null);

    private sealed record Tick;

    private readonly CoordinatorJob _job;
    private readonly ClusterSettings _settings;
    private readonly ClusterMetrics _metrics;
    private readonly Action<CoordinatorStatus>? _onStatus;
    private readonly TaskCompletionSource<CoordinatorResult> _done;
    private readonly Action<string>? _say;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly LeaseTable _leases;
    private readonly Dictionary<string, WorkerState> _workers = new(StringComparer.Ordinal);
    private readonly Dictionary<long, Upload> _uploads = new();
    // Workers answered JobFinished since the job ended: the coordinator stays up until every live one has heard.
    private readonly HashSet<string> _told = new(StringComparer.Ordinal);
    private readonly IMaterializer _materializer;
    private readonly string _offerHocon;
    private readonly int _shardsTotal;
    private readonly long _rowsTotal;
    // Kept as counts (not recounted from the manifest on each commit and tick): a scan per commit made 100,000 shards quadratic.
    private int _shardsDone;
    private long _rowsDone;
    private CoordinatorResult? _result;

    /// <param name="say">Where a refused worker is reported, one line with the reason (the user's terminal).</param>
    public JobCoordinator(CoordinatorJob job, ClusterSettings settings, ClusterMetrics metrics, Action<CoordinatorStatus>? onStatus, TaskCompletionSource<CoordinatorResult> done,
        Action<string>? say = null)
    {
        _say = say;
        _job = job;
        _settings = settings;
        _metrics = metrics;
        _onStatus = onStatus;
        _done = done;
        var manifest = job.Directory.Manifest;
        _shardsTotal = manifest.Shards.Count;
        _rowsTotal = manifest.TotalExamples;
        _shardsDone = manifest.DoneShards.Count();
        _rowsDone = manifest.RowsDone;
        // Lease ids only grow, across coordinator restarts too (a clock in microseconds), so a late answer from a
        // previous coordinator's lease is recognised as ended.
        _leases = new LeaseTable(job.Directory.PendingShards(), settings.LeaseDuration, () => DateTime.UtcNow,
            firstLeaseId: DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000);
        _materializer = Context.Materializer();
        _offerHocon = job.Spec.ToHocon();

        Receive<RegisterWorker>(OnRegister);
        Receive<WorkerReady>(m =>
        {
            if (SendingWorker(m.Worker) is { } w) w.Ready = true;
            Sender.Tell(new Acknowledged());
        });
        Receive<WorkerRefusesJob>(OnWorkerRefuses);
        Receive<RequestLease>(OnRequestLease);
        Receive<RenewLeases>(OnRenew);
        Receive<DeliverShard>(OnDeliver);
        Receive<UploadChecked>(OnUploadChecked);
        Receive<ShardBuildFailed>(OnBuildFailed);
        Receive<ClusterEvent.MemberRemoved>(m => WorkerLeft(NodeName(m.Member.Address), "left the cluster"));
        Receive<ClusterEvent.UnreachableMember>(m => _log.Warning("Worker {0} is unreachable; its leases expire unless it renews them", NodeName(m.Member.Address)));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<Tick>(_ => OnTick());
        Receive<AllWorkersTold>(_ => Sender.Tell(_result is not null && _workers.Values.Where(w => w.Alive).All(w => _told.Contains(w.Name))));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(CoordinatorJob job, ClusterSettings settings, ClusterMetrics metrics, Action<CoordinatorStatus>? onStatus, TaskCompletionSource<CoordinatorResult> done,
        Action<string>? say = null) =>
        Akka.Actor.Props.Create(() => new JobCoordinator(job, settings, metrics, onStatus, done, say));

    /// <summary>host:port of a node's address: how workers are named in the manifest, the metrics and the view.</summary>
    public static string NodeName(Address address) => $"{address.Host}:{address.Port}";

    protected override void PreStart()
    {
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.UnreachableMember));
        var tick = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(200).Ticks, _settings.LeaseDuration.Ticks / 10));
        Timers.StartPeriodicTimer("tick", new Tick(), tick);
        CheckFinished();
    }

    protected override void PostStop()
    {
        Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
        foreach (var upload in _uploads.Values)
            AtomicFile.TryDelete(upload.TempPath);
    }

    public CoordinatorStatus Status()
    {
        var views = _workers.Values.OrderBy(w => w.Name, StringComparer.Ordinal).Select(w => new WorkerView(
            w.Name, w.Alive, w.Ready, _leases.LeasesOf(w.Name).Count(), w.Shards, w.Rows,
            w.FirstLease is { Elapsed.TotalSeconds: > 0 } clock ? w.Rows / clock.Elapsed.TotalSeconds : 0, w.Discarded)).ToList();
        return new CoordinatorStatus(_shardsTotal, _shardsDone, _leases.Pending, _leases.Leased, _rowsTotal, _rowsDone,
            _metrics.ExpiredTotal, _metrics.DiscardedTotal, views);
    }

    /// <summary>
    /// The name of the worker that sent the message: a remote sender's own address, whatever the message claims; a
    /// worker actor in this process (the simulation) goes by the name it gives.
    /// </summary>
    private string SenderName(string claimed) => Sender.Path.Address.HasGlobalScope ? NodeName(Sender.Path.Address) : claimed;

    private WorkerState? SendingWorker(string claimed) => _workers.GetValueOrDefault(SenderName(claimed));

    private void OnRegister(RegisterWorker message)
    {
        var name = SenderName(message.Worker);
        if (message.PinnedSpecHash is { } pinned && !FileChecksum.Same(pinned, _job.Directory.Manifest.SpecHash))
        {
            var reason = $"the worker serves only job {FileChecksum.Short(pinned)} (worker --job), this coordinator serves job {FileChecksum.Short(_job.Directory.Manifest.SpecHash)} ({_job.Directory.Root})";
            _log.Warning("Refused worker {0}: {1}", name, reason);
            _say?.Invoke($"refused worker {name}: {reason}");
            _metrics.Refused(name);
            Sender.Tell(new WorkerRefused(reason));
            return;
        }
        if (_result is { } result)
        {
            // A worker reconnecting after the job ended (this coordinator may be a restart of one killed after its last commit).
            Sender.Tell(new JobFinished(result.Complete, result.Message));
            return;
        }
        if (_workers.TryGetValue(name, out var known))
            known.Actor = Sender;
        else
            _workers[name] = new WorkerState(name, Sender);
        _workers[name].Alive = true;
        _log.Info("Worker {0} registered with devices {1}", name, string.Join(",", message.Devices));
        Sender.Tell(new JobOffer(_offerHocon, _job.Directory.Manifest.SpecHash, _job.ModelSha256, _job.DataFingerprint,
            _rowsTotal, _shardsTotal, _settings.RenewInterval));
    }

    private void OnWorkerRefuses(WorkerRefusesJob message)
    {
        var name = SenderName(message.Worker);
        // The same line the worker prints, on this side too.
        _log.Warning("Worker {0} cannot serve this job: {1}", name, message.Reason);
        _say?.Invoke($"worker {name} cannot serve this job: {message.Reason}");
        _metrics.Refused(name);
        WorkerLeft(name, "refused the job");
        Sender.Tell(new Acknowledged());
    }

    private void OnRequestLease(RequestLease message)
    {
        if (TellFinished(message.Worker))
            return;
        if (SendingWorker(message.Worker) is not { Ready: true } worker)
        {
            Sender.Tell(new WorkerRefused("register first (RegisterWorker, then WorkerReady)"));
            return;
        }
        if (_leases.Grant(worker.Name) is not { } lease)
        {
            Sender.Tell(new NoLeaseNow(TimeSpan.FromMilliseconds(Math.Min(2000, _settings.RenewInterval.TotalMilliseconds))));
            return;
        }
        worker.FirstLease ??= Stopwatch.StartNew();
        _metrics.Granted(worker.Name);
        Sender.Tell(new LeaseGranted(lease.LeaseId, lease.Shard.Id, lease.Shard.Start, lease.Shard.Count, lease.DeadlineUtc));
    }

    private void OnRenew(RenewLeases message)
    {
        if (TellFinished(message.Worker))
            return;
        var name = SenderName(message.Worker);
        var lost = message.LeaseIds.Where(id => !_leases.Renew(id, name) && !_uploads.ContainsKey(id)).ToArray();
        Sender.Tell(new LeasesRenewed(lost));
    }

    private void OnDeliver(DeliverShard message)
    {
        if (TellFinished(message.Worker))
            return;
        var name = SenderName(message.Worker);
        var check = _leases.Check(message.LeaseId, message.ShardId, name);
        if (check != DeliveryCheck.Current || _uploads.ContainsKey(message.LeaseId))
        {
            Discard(name, message, check == DeliveryCheck.Current ? "duplicate" : Reason(check),
                $"lease {message.LeaseId} of shard {message.ShardId} is {Reason(check)}");
            return;
        }
        var lease = _leases.Live.First(l => l.LeaseId == message.LeaseId);
        var upload = new Upload(name, lease, message, Sender, _job.Directory.UploadTempPath(message.ShardId, message.LeaseId));
        _uploads[message.LeaseId] = upload;
        ReceiveBytes(upload).PipeTo(Self);
    }

    /// <summary>
    /// Streams the delivered bytes into the temporary file while hashing them, then reads its footer: nothing here
    /// decides. A failure to write the file here (<see cref="CommitFailedException"/>) is told apart from bytes that do
    /// not check out or a stream the worker broke off.
    /// </summary>
    private async Task<UploadChecked> ReceiveBytes(Upload upload)
    {
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long bytes = 0;
            var path = upload.TempPath;
            await using (var file = CommitFailedException.Step(path, "create",
                             () => new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous)))
            {
                await upload.Delivery.Data.Source
                    .SelectAsync(1, async chunk =>
                    {
                        hash.AppendData(chunk);
                        bytes += chunk.Length;
                        try
                        {
                            await file.WriteAsync(chunk).ConfigureAwait(false);
                        }
                        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                        {
                            throw CommitFailedException.From(e, path, "write");
                        }
                        return chunk.Length;
                    })
                    .RunWith(Sink.Ignore<int>(), _materializer).ConfigureAwait(false);
                await CommitFailedException.Step(path, "write", () => file.FlushAsync()).ConfigureAwait(false);
            }
            var sha = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (bytes != upload.Delivery.Bytes || !FileChecksum.Same(sha, upload.Delivery.Sha256))
                return new UploadChecked(upload, sha, bytes, 0, null, $"received {bytes} bytes with SHA-256 {FileChecksum.Short(sha)}, the worker declared {upload.Delivery.Bytes} bytes, {FileChecksum.Short(upload.Delivery.Sha256)}");
            // The size and SHA-256 are the declared ones; what the job needs of the file is in its footer.
            var footer = await ParquetShardReader.ReadFooterAsync(upload.TempPath).ConfigureAwait(false);
            return new UploadChecked(upload, sha, bytes, footer.Rows, footer.Metadata.SpecHash, null);
        }
        catch (CommitFailedException e)
        {
            return new UploadChecked(upload, null, 0, 0, null, null, e.Message);
        }
        catch (Exception e)
        {
            return new UploadChecked(upload, null, 0, 0, null, e.Message.Split('\n')[0]);
        }
    }

    private void OnUploadChecked(UploadChecked done)
    {
        var upload = done.Upload;
        var delivery = upload.Delivery;
        _uploads.Remove(delivery.LeaseId);
        var worker = upload.Worker;
        if (_result is not null)
        {
            // The job ended while this upload ran (its worker was told then): nothing more is committed.
            AtomicFile.TryDelete(upload.TempPath);
            return;
        }
        if (done.LocalError is { } local)
        {
            AtomicFile.TryDelete(upload.TempPath);
            _log.Error("Cannot receive shard {0} from {1}: {2}", delivery.ShardId, worker, local);
            Finish(new CoordinatorResult(false, $"the coordinator cannot commit shard {delivery.ShardId}: {local}", Status()));
            return;
        }
        string? problem = done.Error;
        if (problem is null && done.Rows != upload.Lease.Shard.Count)
            problem = $"the file holds {done.Rows} rows, shard {delivery.ShardId} has {upload.Lease.Shard.Count}";
        if (problem is null && !FileChecksum.Same(done.SpecHash, _job.Directory.Manifest.SpecHash))
            problem = $"the file was written for spec {FileChecksum.Short(done.SpecHash ?? "?")}, the job is {FileChecksum.Short(_job.Directory.Manifest.SpecHash)}";
        if (problem is not null)
        {
            AtomicFile.TryDelete(upload.TempPath);
            Discard(worker, delivery, "bad-bytes", problem, upload.ReplyTo);
            return;
        }
        // Decided now, after the upload: the lease may have expired (and the shard gone to another worker) meanwhile.
        var check = _leases.Check(delivery.LeaseId, delivery.ShardId, worker);
        if (check != DeliveryCheck.Current)
        {
            AtomicFile.TryDelete(upload.TempPath);
            Discard(worker, delivery, Reason(check), $"lease {delivery.LeaseId} of shard {delivery.ShardId} {Reason(check)} while its shard was uploading", upload.ReplyTo);
            return;
        }
        var final = _job.Directory.ShardPath(delivery.ShardId);
        try
        {
            _job.Directory.EnsureStillLocked();
            AtomicFile.Commit(upload.TempPath, final);
            _job.Directory.MarkCommitted(new CommittedShard(delivery.ShardId, Path.GetFileName(final), done.Rows, done.Sha256!, done.Bytes), worker, delivery.Seconds);
        }
        catch (Exception e)
        {
            AtomicFile.TryDelete(upload.TempPath);
            _log.Error("Committing shard {0} from {1} failed: {2}", delivery.ShardId, worker, e.Message);
            Finish(new CoordinatorResult(false, $"the coordinator cannot commit shard {delivery.ShardId}: {e.Message.Split('\n')[0]}", Status()));
            return;
        }
        _leases.Committed(delivery.LeaseId);
        _shardsDone++;
        _rowsDone += done.Rows;
        _metrics.Committed(worker);
        if (_workers.TryGetValue(worker, out var state))
        {
            state.Shards++;
            state.Rows += done.Rows;
        }
        upload.ReplyTo.Tell(new ShardAccepted(delivery.ShardId, delivery.LeaseId));
        CheckFinished();
    }

    private void OnBuildFailed(ShardBuildFailed message)
    {
        var name = SenderName(message.Worker);
        var failures = _leases.Fail(message.LeaseId, name);
        _log.Warning("Worker {0} could not build its shard (lease {1}): {2}", name, message.LeaseId, message.Error);
        Sender.Tell(new Acknowledged());
        if (failures >= _settings.MaxShardFailures)
            Finish(new CoordinatorResult(false, $"a shard failed on {failures} workers; last error: {message.Error}", Status()));
    }

    private void OnTick()
    {
        foreach (var group in _leases.Expire().GroupBy(l => l.Worker))
        {
            _metrics.Expired(group.Key, group.Count());
            _log.Warning("Worker {0} let {1} lease(s) expire (shards {2}); they go back to the queue", group.Key, group.Count(), string.Join(",", group.Select(l => l.Shard.Id)));
        }
        _onStatus?.Invoke(Status());
    }

    private void WorkerLeft(string name, string why)
    {
        if (!_workers.TryGetValue(name, out var worker))
            return;
        worker.Alive = false;
        worker.Ready = false;
        var released = _leases.Release(name).Where(l => !_uploads.ContainsKey(l.LeaseId)).ToList();
        if (released.Count > 0)
        {
            _metrics.Expired(name, released.Count);
            _log.Warning("Worker {0} {1}; its {2} lease(s) go back to the queue", name, why, released.Count);
        }
    }

    private void Discard(string worker, DeliverShard delivery, string reason, string why, IActorRef? replyTo = null)
    {
        _metrics.Discarded(worker, reason);
        if (_workers.TryGetValue(worker, out var state))
            state.Discarded++;
        _log.Warning("Discarded shard {0} from {1}: {2}", delivery.ShardId, worker, why);
        (replyTo ?? Sender).Tell(new ShardDiscarded(delivery.ShardId, delivery.LeaseId, why));
    }

    private void CheckFinished()
    {
        // The count decides when to look; the manifest itself confirms (once).
        if (_result is null && _shardsDone == _shardsTotal && _job.Directory.Manifest.IsComplete)
            Finish(new CoordinatorResult(true, "every shard is committed", Status()));
    }

    private void Finish(CoordinatorResult result)
    {
        if (_result is not null)
            return;
        _result = result;
        foreach (var worker in _workers.Values.Where(w => w.Alive))
            worker.Actor.Tell(new JobFinished(result.Complete, result.Message));
        // Workers waiting for the answer to a delivery hear the end now; the upload itself is dropped when it completes.
        foreach (var upload in _uploads.Values)
        {
            upload.ReplyTo.Tell(new JobFinished(result.Complete, result.Message));
            _told.Add(upload.Worker);
        }
        // The final state, at the moment it is reached (bench's cluster phase closes its timed window here).
        _onStatus?.Invoke(result.Status);
        _done.TrySetResult(result);
    }

    /// <summary>Once the job has ended, answers any request with <see cref="JobFinished"/> (and notes that the worker heard it).</summary>
    private bool TellFinished(string claimed)
    {
        if (_result is not { } result)
            return false;
        Sender.Tell(new JobFinished(result.Complete, result.Message));
        _told.Add(SenderName(claimed));
        return true;
    }

    private static string Reason(DeliveryCheck check) => check switch
    {
        DeliveryCheck.Current => "current",
        DeliveryCheck.Expired => "expired",
        DeliveryCheck.AlreadyDone => "already-done",
        _ => "unknown",
    };
}
