using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using StreamPipeline.Cluster.Protocol;
using StreamPipeline.Pipeline.Sinks;
using StreamPipeline.Pipeline.Streaming;

namespace StreamPipeline.Cluster.Workers;

/// <summary>
/// A worker's shard target: the sink encodes the shard in memory (the same bytes a local build would commit) with its
/// SHA-256, and the bytes travel to the coordinator as an Akka.Streams SourceRef of chunks with their declared size and
/// hash; the coordinator answers accepted, discarded, or that the job has ended (<paramref name="jobEnded"/>). Nothing
/// touches the worker's disk: the coordinator's commit is the shard's only durable write.
/// </summary>
internal sealed class DeliveringShardTarget(
    IShardSink sink, IActorRef coordinator, string worker, Func<int, long?> leaseOf, Action<int, bool> delivered,
    Action<JobFinished> jobEnded, ClusterSettings settings, IMaterializer materializer) : IShardTarget
{
    public async Task<CommittedShard?> CommitAsync(ShardRows shard, double? seconds, CancellationToken ct)
    {
        var leaseId = leaseOf(shard.Shard.Id) ?? throw new InvalidOperationException($"{shard.Shard} was built without a lease");
        var encoded = await sink.EncodeAsync(shard.Shard, shard.Rows, ct).ConfigureAwait(false);
        var source = await Source.From(Chunks(encoded.Bytes, settings.ChunkSize))
            .RunWith(StreamRefs.SourceRef<byte[]>(), materializer).ConfigureAwait(false);
        var reply = await coordinator.Ask<object>(
            new DeliverShard(worker, leaseId, shard.Shard.Id, encoded.Rows, encoded.Sha256, encoded.Bytes.LongLength, seconds, source),
            settings.DeliveryTimeout, ct).ConfigureAwait(false);
        var accepted = reply is ShardAccepted;
        if (reply is JobFinished finished)
            jobEnded(finished);
        delivered(shard.Shard.Id, accepted);
        return accepted ? encoded.Committed : null;
    }

    /// <summary>The bytes cut in chunks of <paramref name="size"/> (the last one shorter), each its own array for the wire.</summary>
    private static IEnumerable<byte[]> Chunks(byte[] bytes, int size)
    {
        for (var offset = 0; offset < bytes.Length; offset += size)
            yield return bytes.AsSpan(offset, Math.Min(size, bytes.Length - offset)).ToArray();
    }
}
