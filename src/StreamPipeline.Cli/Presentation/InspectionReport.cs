using System.Globalization;
using System.Text.Json.Nodes;
using StreamPipeline.Data.Files;

using StreamPipeline.Application.Inspection;

namespace StreamPipeline.Cli.Presentation;

/// <summary>Presents a <see cref="JobInspection"/>: one JSON object for scripts (snake_case keys) or a readable block for people.</summary>
public static class InspectionReport
{
    /// <summary>The <c>--json</c> object; <paramref name="grid"/> is the PNG written, if any.</summary>
    public static JsonObject ToJson(JobInspection inspection, string? grid = null)
    {
        var (p, s) = (inspection.Progress, inspection.Stats);
        return new JsonObject
        {
            ["job_dir"] = p.JobDir,
            ["construction"] = p.Construction,
            ["data"] = p.Data,
            ["total_examples"] = p.TotalExamples,
            ["shards_total"] = p.ShardsTotal,
            ["shards_done"] = p.ShardsDone,
            ["rows_done"] = p.RowsDone,
            ["percent_done"] = p.Percent,
            ["complete"] = p.Complete,
            ["attack_success_rate"] = s.AttackSuccessRate,
            ["mean_distance"] = s.MeanDistance,
            ["label_histogram"] = Array(s.LabelHistogram),
            ["source_label_histogram"] = Array(s.SourceLabelHistogram),
            ["class_names"] = new JsonArray(s.ClassNames.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()),
            ["relabelled_share"] = s.RelabelledShare,
            ["spec"] = new JsonObject
            {
                ["norm"] = p.Spec.Norm,
                ["eps"] = p.Spec.Eps,
                ["step_size"] = p.Spec.StepSize,
                ["steps"] = p.Spec.Steps,
                ["random_start"] = p.Spec.RandomStart,
                ["seed"] = p.Spec.Seed,
                ["limit"] = p.Spec.Limit,
                ["shard_size"] = p.ShardSize,
                ["start_mode"] = p.Spec.StartMode,
            },
            ["model_sha256"] = p.ModelSha256,
            ["spec_hash"] = p.SpecHash,
            ["nodes"] = new JsonArray(inspection.Nodes.Select(n => (JsonNode?)new JsonObject
            {
                ["node"] = n.Node,
                ["shards"] = n.Shards,
                ["rows"] = n.Rows,
                ["rows_per_second"] = n.RowsPerSecond,
            }).ToArray()),
            ["grid"] = grid,
        };
    }

    /// <summary>The human-readable block (on stdout; on stderr when --json has stdout).</summary>
    public static IReadOnlyList<string> ToText(JobInspection inspection)
    {
        var (p, s) = (inspection.Progress, inspection.Stats);
        var spec = p.Spec;
        var eps = spec.Eps is { } e ? $" eps {Number(e)}" : "";
        var start = spec.StartMode is { } m ? $", start {m}" : "";
        var lines = new List<string>
        {
            $"inspect: {p.JobDir}",
            $"  job         {p.Construction} from {p.Data}, {p.TotalExamples:N0} examples{(spec.Limit is { } l ? $" (limit {l:N0})" : "")}",
            $"  progress    {p.ShardsDone}/{p.ShardsTotal} shards, {p.RowsDone:N0}/{p.TotalExamples:N0} rows ({p.Percent:F1}%), " +
            (p.Complete ? "complete" : $"incomplete ({p.ShardsTotal - p.ShardsDone} shards pending)"),
            $"  attack      {spec.Norm ?? "?"}{eps} step {Number(spec.StepSize)} x {spec.Steps?.ToString(CultureInfo.InvariantCulture) ?? "?"}, " +
            $"seed {spec.Seed?.ToString(CultureInfo.InvariantCulture) ?? "?"}, shard size {p.ShardSize}{start}",
            $"  model       sha256 {FileChecksum.Short(p.ModelSha256)}   spec hash {FileChecksum.Short(p.SpecHash)}",
        };
        foreach (var n in inspection.Nodes)
            lines.Add($"  node        {n.Node}: {n.Shards} shards, {n.Rows:N0} rows" + (n.RowsPerSecond is { } r ? $", {r:N1} img/s" : ""));
        if (s.Rows == 0)
        {
            lines.Add("  rows        none committed yet");
            return lines;
        }
        lines.Add($"  rows        {s.Rows:N0} committed");
        lines.Add($"  success     {Percent(s.AttackSuccessRate)} of rows (attack_success)");
        lines.Add($"  distance    mean {Number(s.MeanDistance)}" + (s.FiniteDistances < s.Rows ? $" ({s.Rows - s.FiniteDistances:N0} non-finite left out)" : ""));
        lines.Add($"  relabelled  {Percent(s.RelabelledShare)} of rows have label != source label");
        lines.Add("  labels      rows per class, as trained on (label) and of the source example (source):");
        var width = Math.Max(5, s.ClassNames.Count == 0 ? 0 : s.ClassNames.Max(n => n.Length));
        for (var c = 0; c < s.LabelHistogram.Count; c++)
        {
            var name = c < s.ClassNames.Count ? s.ClassNames[c] : c.ToString(CultureInfo.InvariantCulture);
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"    {c,3} {name.PadRight(width)}  label {s.LabelHistogram[c],9:N0}  source {s.SourceLabelHistogram[c],9:N0}"));
        }
        return lines;
    }

    private static JsonArray Array(IReadOnlyList<long> counts) => new(counts.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray());

    // "P1" puts a space before '%' under the invariant culture.
    private static string Percent(double? share) => share is { } v ? (100 * v).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "?";

    private static string Number(double? value) => value is { } v ? v.ToString("0.####", CultureInfo.InvariantCulture) : "?";
}
