using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using StreamPipeline.Cluster.Protocol;

namespace StreamPipeline.Cluster.Simulation;

/// <summary>
/// A worker with an instant perturber, in the coordinator's process: the real protocol (register, pull a lease,
/// deliver through a StreamRef, wait for the answer, pull again) around a shard file that is already built.
/// </summary>
internal sealed class SimulatedWorker : ReceiveActor
{
    private sealed record Ready(LeaseGranted Lease, ISourceRef<byte[]> Data);

    private readonly string _name;
    private readonly IActorRef _coordinator;
    private readonly byte[] _shard;
    private readonly string _sha256;
    private readonly long _rows;
    private readonly IMaterializer _materializer = Context.Materializer();

    public SimulatedWorker(string name, IActorRef coordinator, byte[] shard, string sha256, long rows, TaskCompletionSource finished)
    {
        _name = name;
        _coordinator = coordinator;
        _shard = shard;
        _sha256 = sha256;
        _rows = rows;
        Receive<JobOffer>(_ => _coordinator.Tell(new WorkerReady(_name)));
        Receive<Acknowledged>(_ => _coordinator.Tell(new RequestLease(_name)));
        Receive<LeaseGranted>(lease => Source.Single(_shard).RunWith(StreamRefs.SourceRef<byte[]>(), _materializer)
            .ContinueWith(t => new Ready(lease, t.Result), TaskContinuationOptions.ExecuteSynchronously).PipeTo(Self));
        Receive<Ready>(ready => _coordinator.Tell(new DeliverShard(_name, ready.Lease.LeaseId, ready.Lease.ShardId, _rows, _sha256, _shard.Length, 0, ready.Data)));
        Receive<ShardAccepted>(_ => _coordinator.Tell(new RequestLease(_name)));
        Receive<ShardDiscarded>(_ => _coordinator.Tell(new RequestLease(_name)));
        Receive<NoLeaseNow>(wait => Context.System.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(20), _coordinator, new RequestLease(_name), Self));
        Receive<JobFinished>(_ =>
        {
            finished.TrySetResult();
            Context.Stop(Self);
        });
    }

    public static Props Props(string name, IActorRef coordinator, byte[] shard, string sha256, long rows, TaskCompletionSource finished) =>
        Akka.Actor.Props.Create(() => new SimulatedWorker(name, coordinator, shard, sha256, rows, finished));

    protected override void PreStart() => _coordinator.Tell(new RegisterWorker(_name, ["sim"], null));
}
