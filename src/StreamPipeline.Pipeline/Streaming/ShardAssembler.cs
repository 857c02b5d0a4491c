using Akka;
using Akka.Streams.Dsl;
using StreamPipeline.Data;
using StreamPipeline.Pipeline.Planning;

namespace StreamPipeline.Pipeline.Streaming;

/// <summary>
/// Groups the batches of a shard (contiguous in an ordered stream) back into one <see cref="ShardRows"/>, holding at
/// most one shard's rows. A gap, a repeat or a shard left incomplete fails the stream rather than writing a wrong file.
/// </summary>
public static class ShardAssembler
{
    public static Flow<RelabeledBatch, ShardRows, NotUsed> Flow() =>
        Akka.Streams.Dsl.Flow.Create<RelabeledBatch>().StatefulSelectMany(() =>
        {
            ShardPlan? shard = null;
            List<ConstructedRow>? rows = null;
            return (Func<RelabeledBatch, IEnumerable<ShardRows>>)(batch =>
            {
                var plan = batch.Plan;
                if (shard is null)
                {
                    shard = plan.Shard;
                    rows = new List<ConstructedRow>(shard.Count);
                }
                else if (plan.Shard != shard)
                {
                    throw new InvalidOperationException($"{shard} is incomplete ({rows!.Count} of {shard.Count} rows) when {plan} arrived");
                }
                var expected = shard.Start + rows!.Count;
                if (plan.Start != expected || batch.Rows.Count != plan.Count)
                    throw new InvalidOperationException($"{plan} with {batch.Rows.Count} rows arrived where index {expected} was expected");
                for (var i = 0; i < batch.Rows.Count; i++)
                {
                    if (batch.Rows[i].Index != expected + i)
                        throw new InvalidOperationException($"{plan}: row {i} has index {batch.Rows[i].Index}, expected {expected + i}");
                }
                rows.AddRange(batch.Rows);
                if (!plan.IsLastInShard)
                    return [];
                var complete = new ShardRows(shard, rows);
                shard = null;
                rows = null;
                return [complete];
            });
        });
}
