using StreamPipeline.Data.Jobs;

namespace StreamPipeline.Application.Inspection;

/// <summary>
/// What one node built, from the manifest: shards and rows committed, and its rate — rows over the span from the start
/// of its first shard to the commit of its last (shards overlap on a node, so their build times do not add up).
/// </summary>
public sealed record NodeStats(string Node, int Shards, long Rows, double? RowsPerSecond)
{
    /// <summary>The name of the node of local (single-process) builds, whose shards record none.</summary>
    public const string Local = "local";

    public static IReadOnlyList<NodeStats> From(Manifest manifest) =>
        manifest.DoneShards
            .GroupBy(s => s.Node ?? Local)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var timed = g.Where(s => s.CommittedUtc is not null).ToList();
                double? rate = null;
                if (timed.Count > 0)
                {
                    var first = timed.Min(s => s.CommittedUtc!.Value - TimeSpan.FromSeconds(s.Seconds ?? 0));
                    var last = timed.Max(s => s.CommittedUtc!.Value);
                    var span = (last - first).TotalSeconds;
                    rate = span > 0 ? timed.Sum(s => s.Rows) / span : null;
                }
                return new NodeStats(g.Key, g.Count(), g.Sum(s => s.Rows), rate);
            })
            .ToList();
}
