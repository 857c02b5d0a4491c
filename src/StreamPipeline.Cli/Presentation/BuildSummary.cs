using System.Text.Json.Nodes;
using StreamPipeline.Pipeline.Streaming;

namespace StreamPipeline.Cli.Presentation;

/// <summary><c>build --json</c>: a build's result as one JSON object (this run's figures; the job's totals where named so).</summary>
public static class BuildSummary
{
    public static JsonObject ToJson(BuildResult result) => new()
    {
        ["job_dir"] = Path.GetFullPath(result.JobDir),
        ["complete"] = result.Complete,
        ["rows_total"] = result.RowsTotal,
        ["rows_written"] = result.RowsWritten,
        ["bytes_written"] = result.BytesWritten,
        ["shards_total"] = result.ShardsTotal,
        ["shards_committed"] = result.ShardsCommitted,
        ["shards_skipped"] = result.ShardsSkipped,
        ["seconds"] = Math.Round(result.Elapsed.TotalSeconds, 3),
        ["images_per_second"] = Math.Round(result.RowsPerSecond, 2),
        // Null when this run attacked nothing (every shard was done before): no rate, rather than a made-up 0.
        ["attack_success"] = result.Stats.AttackAttempts == 0 ? null : Math.Round(result.Stats.AttackSuccessRate, 6),
        ["retries"] = result.Stats.Retries,
        ["splits"] = result.Stats.Splits,
        ["damaged_shards_rebuilt"] = result.DamagedShards.Count,
    };
}
