using Akka;
using Akka.Streams;
using Akka.Streams.Stage;
using StreamPipeline.Data;

namespace StreamPipeline.Pipeline.Streaming;

/// <summary>
/// Groups relabelled batches by shard, in whatever order the devices finish them, and emits a shard's rows (in source
/// order) as soon as its last batch arrives: a slow batch holds back only its own shard, never the others. Holds only
/// the shards with a batch still in flight. A repeated or misplaced batch fails the stream, and so does the upstream
/// finishing while a shard is incomplete — a wrong file is never written.
/// </summary>
public sealed class ShardAssembler : GraphStage<FlowShape<RelabeledBatch, ShardRows>>
{
    public ShardAssembler() => Shape = new FlowShape<RelabeledBatch, ShardRows>(In, Out);

    public Inlet<RelabeledBatch> In { get; } = new("ShardAssembler.in");

    public Outlet<ShardRows> Out { get; } = new("ShardAssembler.out");

    public override FlowShape<RelabeledBatch, ShardRows> Shape { get; }

    public static Akka.Streams.Dsl.Flow<RelabeledBatch, ShardRows, NotUsed> Flow() => Akka.Streams.Dsl.Flow.FromGraph(new ShardAssembler());

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed class Logic : InAndOutGraphStageLogic
    {
        private readonly ShardAssembler _stage;
        private readonly Dictionary<int, PartialShard> _open = new();

        public Logic(ShardAssembler stage) : base(stage.Shape)
        {
            _stage = stage;
            SetHandler(stage.In, this);
            SetHandler(stage.Out, this);
        }

        public override void OnPush()
        {
            var batch = Grab(_stage.In);
            var shard = batch.Plan.Shard;
            if (!_open.TryGetValue(shard.Id, out var partial))
                _open[shard.Id] = partial = new PartialShard(shard);
            partial.Add(batch);
            if (partial.IsComplete)
            {
                _open.Remove(shard.Id);
                Push(_stage.Out, partial.ToRows());
            }
            else
            {
                Pull(_stage.In);
            }
        }

        public override void OnUpstreamFinish()
        {
            if (_open.Count > 0)
            {
                var first = _open.Values.OrderBy(p => p.Shard.Id).First();
                FailStage(new InvalidOperationException(
                    $"the batches ended with {_open.Count} shard(s) incomplete, first {first.Shard} with {first.Rows} of {first.Shard.Count} rows"));
                return;
            }
            CompleteStage();
        }

        public override void OnPull() => Pull(_stage.In);
    }

    /// <summary>The batches of one shard received so far, by position.</summary>
    private sealed class PartialShard(ShardPlan shard)
    {
        private readonly SortedDictionary<int, RelabeledBatch> _batches = new();

        public ShardPlan Shard { get; } = shard;

        public int Rows { get; private set; }

        public bool IsComplete => Rows == Shard.Count;

        public void Add(RelabeledBatch batch)
        {
            var plan = batch.Plan;
            if (plan.Start < Shard.Start || plan.End > Shard.End)
                throw new InvalidOperationException($"{plan} lies outside {Shard}");
            if (batch.Rows.Count != plan.Count)
                throw new InvalidOperationException($"{plan} arrived with {batch.Rows.Count} rows");
            if (!_batches.TryAdd(plan.Index, batch))
                throw new InvalidOperationException($"{plan} arrived twice");
            for (var i = 0; i < batch.Rows.Count; i++)
            {
                if (batch.Rows[i].Index != plan.Start + i)
                    throw new InvalidOperationException($"{plan}: row {i} has index {batch.Rows[i].Index}, expected {plan.Start + i}");
            }
            Rows += plan.Count;
        }

        public ShardRows ToRows()
        {
            var rows = new List<ConstructedRow>(Shard.Count);
            var expected = Shard.Start;
            foreach (var batch in _batches.Values)
            {
                if (batch.Plan.Start != expected)
                    throw new InvalidOperationException($"{Shard}: rows from {expected} are missing before {batch.Plan}");
                rows.AddRange(batch.Rows);
                expected = batch.Plan.End;
            }
            return new ShardRows(Shard, rows);
        }
    }
}
