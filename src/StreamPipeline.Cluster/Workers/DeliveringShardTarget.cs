using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using StreamPipeline.Cluster.Protocol;
using StreamPipeline.Data.Files;
using StreamPipeline.Pipeline.Sinks;
using StreamPipeline.Pipeline.Streaming;

namespace StreamPipeline.Cluster.Workers;

/// <summary>
/// A worker's shard target: the sink writes the shard into a local scratch folder (the same bytes a local build would
/// commit), then the file travels to the coordinator as an Akka.Streams SourceRef of chunks with its declared size and
/// SHA-256, and the coordinator answers accepted, discarded, or that the job has ended (<paramref name="jobEnded"/>).
/// The scratch file is deleted either way.
/// </summary>
internal sealed class DeliveringShardTarget(
    IShardSink sink, string scratchDir, IActorRef coordinator, string worker, Func<int, long?> leaseOf, Action<int, bool> delivered,
    Action<JobFinished> jobEnded, ClusterSettings settings, IMaterializer materializer) : IShardTarget
{
    public async Task<CommittedShard?> CommitAsync(ShardRows shard, double? seconds, CancellationToken ct)
    {
        var leaseId = leaseOf(shard.Shard.Id) ?? throw new InvalidOperationException($"{shard.Shard} was built without a lease");
        var written = await sink.CommitAsync(shard.Shard, shard.Rows, scratchDir, ct).ConfigureAwait(false);
        var path = Path.Combine(scratchDir, written.File);
        try
        {
            var source = await FileIO.FromFile(new FileInfo(path), settings.ChunkSize)
                .Select(chunk => chunk.ToArray())
                .RunWith(StreamRefs.SourceRef<byte[]>(), materializer).ConfigureAwait(false);
            var reply = await coordinator.Ask<object>(
                new DeliverShard(worker, leaseId, shard.Shard.Id, written.Rows, written.Sha256, written.Bytes, seconds, source),
                settings.DeliveryTimeout, ct).ConfigureAwait(false);
            var accepted = reply is ShardAccepted;
            if (reply is JobFinished finished)
                jobEnded(finished);
            delivered(shard.Shard.Id, accepted);
            return accepted ? written : null;
        }
        finally
        {
            AtomicFile.TryDelete(path);
        }
    }
}
