using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using StreamPipeline.Pipeline.Specs;
using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Cli.Benchmarking;

/// <summary>The outcome of <c>stream-pipeline bench</c>: every round's figures, the best of each phase, their ratio; as JSON or text.</summary>
/// <param name="Model">The checkpoint path, or a description of the fresh model.</param>
/// <param name="PeakRssPerPhase">True when the peak was reset before each phase (its own peak); false: cumulative since start.</param>
public sealed record BenchReport(
    JobSpec Spec,
    string Model,
    long Images,
    IReadOnlyList<BareMeasurement> BareRuns,
    IReadOnlyList<PipelineMeasurement> PipelineRuns,
    bool PeakRssPerPhase)
{
    /// <summary>The issue's target for <see cref="Ratio"/> on a 2-core CPU.</summary>
    public const double TargetRatio = 0.90;

    public BareMeasurement BestBare => BareRuns.MaxBy(r => r.ImgStepsPerSecond)!;

    public PipelineMeasurement BestPipeline => PipelineRuns.MaxBy(r => r.ImgStepsPerSecond)!;

    /// <summary>Pipeline throughput over bare-loop throughput (best run of each).</summary>
    public double Ratio => BestBare.ImgStepsPerSecond > 0 ? BestPipeline.ImgStepsPerSecond / BestBare.ImgStepsPerSecond : 0;

    public long? PeakRssAfterBare => BareRuns.Max(r => r.PeakRssBytes);

    public long? PeakRssAfterPipeline => PipelineRuns.Max(r => r.PeakRssBytes);

    /// <summary>VmRSS at the start of the bare run with the highest peak.</summary>
    public long? StartRssOfBare => BareRuns.MaxBy(r => r.PeakRssBytes ?? 0)!.StartRssBytes;

    /// <summary>VmRSS at the start of the pipeline run with the highest peak.</summary>
    public long? StartRssOfPipeline => PipelineRuns.MaxBy(r => r.PeakRssBytes ?? 0)!.StartRssBytes;

    public string Device => string.Join(",", Spec.Devices);

    public string ToJson()
    {
        var bare = BestBare;
        var pipeline = BestPipeline;
        var ratio = Math.Round(Ratio, 4);
        var json = new JsonObject
        {
            ["bare_img_steps_per_s"] = Math.Round(bare.ImgStepsPerSecond, 1),
            ["pipeline_img_steps_per_s"] = Math.Round(pipeline.ImgStepsPerSecond, 1),
            ["ratio"] = ratio,
            ["target_ratio"] = TargetRatio,
            ["peak_rss_bytes_after_bare"] = PeakRssAfterBare,
            ["peak_rss_bytes_after_pipeline"] = PeakRssAfterPipeline,
            ["peak_rss_per_phase"] = PeakRssPerPhase,
            ["rss_bytes_at_start_of_bare"] = StartRssOfBare,
            ["rss_bytes_at_start_of_pipeline"] = StartRssOfPipeline,
            ["parquet_write_mb_per_s"] = Math.Round(pipeline.ParquetWriteMBPerSecond, 2),
            ["device_busy_share"] = Math.Round(pipeline.DeviceBusyShare, 4),
            ["device"] = Device,
            ["bare_seconds"] = Math.Round(bare.Elapsed.TotalSeconds, 3),
            ["pipeline_seconds"] = Math.Round(pipeline.Elapsed.TotalSeconds, 3),
            ["pipeline_wall_seconds"] = Math.Round(pipeline.Wall.TotalSeconds, 3),
            ["bare_cpu_seconds"] = Math.Round(bare.CpuTime.TotalSeconds, 3),
            ["pipeline_cpu_seconds"] = Math.Round(pipeline.CpuTime.TotalSeconds, 3),
            ["bare_attack_success"] = Math.Round(bare.AttackSuccessRate, 4),
            ["pipeline_attack_success"] = Math.Round(pipeline.Stats.AttackSuccessRate, 4),
            ["parquet_bytes"] = pipeline.BytesWritten,
            ["stages"] = Stages(pipeline.Stats),
            ["rounds"] = new JsonArray(BareRuns.Zip(PipelineRuns, (b, p) => (JsonNode)new JsonObject
            {
                ["bare_img_steps_per_s"] = Math.Round(b.ImgStepsPerSecond, 1),
                ["pipeline_img_steps_per_s"] = Math.Round(p.ImgStepsPerSecond, 1),
            }).ToArray()),
            ["settings"] = new JsonObject
            {
                ["construction"] = Names.Construction.Of(Spec.Construction),
                ["model"] = Model,
                ["data"] = Spec.Data,
                ["images"] = Images,
                ["batch_size"] = Spec.BatchSize,
                ["shard_size"] = Spec.ShardSize,
                ["steps"] = Spec.Attack.Steps,
                ["norm"] = Names.Norm.Of(Spec.Attack.Norm),
                ["eps"] = Spec.Attack.Eps,
                ["step_size"] = Spec.Attack.StepSize,
                ["devices"] = new JsonArray(Spec.Devices.Select(d => (JsonNode?)JsonValue.Create(d)).ToArray()),
                ["torch_threads"] = bare.TorchThreads,
                ["processor_count"] = Environment.ProcessorCount,
                ["repeat"] = BareRuns.Count,
            },
        };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }

    /// <summary>The human summary (for stderr).</summary>
    public IReadOnlyList<string> ToText()
    {
        var bare = BestBare;
        var pipeline = BestPipeline;
        var s = pipeline.Stats;
        var rssNote = PeakRssPerPhase ? "peak RSS of the phase" : "peak RSS so far (process-wide, cumulative)";
        var lines = new List<string>
        {
            $"bench: {Images:N0} images x {Spec.Attack.Steps} steps, batch {Spec.BatchSize}, {Device}, torch threads {bare.TorchThreads}, best of {BareRuns.Count}:",
            $"  bare loop  {bare.ImgStepsPerSecond,10:N0} img-PGD-steps/s  ({bare.Elapsed.TotalSeconds:F2} s, attack success {bare.AttackSuccessRate:P1}), {rssNote} {Megabytes(PeakRssAfterBare)} (from {Megabytes(StartRssOfBare)})",
            $"  pipeline   {pipeline.ImgStepsPerSecond,10:N0} img-PGD-steps/s  ({pipeline.Elapsed.TotalSeconds:F2} s; {pipeline.Wall.TotalSeconds:F2} s with setup, attack success {s.AttackSuccessRate:P1}), {rssNote} {Megabytes(PeakRssAfterPipeline)} (from {Megabytes(StartRssOfPipeline)})",
            $"  cpu        {bare.CpuTime.TotalSeconds:F1} s bare, {pipeline.CpuTime.TotalSeconds:F1} s pipeline with setup (processor time of the process; on a busy machine the steadier measure of work)",
            $"  ratio      {Ratio:F3} pipeline/bare (target >= {TargetRatio:F2}){(Ratio >= TargetRatio ? "" : "  BELOW TARGET")}",
            $"  parquet    {pipeline.ParquetWriteMBPerSecond:F1} MB/s ({pipeline.BytesWritten / 1e6:F2} MB in {s.Persist.Seconds:F2} s of persist stage)",
            $"  device     busy {pipeline.DeviceBusyShare:P1} of the pipeline's elapsed time",
        };
        foreach (var stage in Enum.GetValues<PipelineStage>())
        {
            var st = s.Stage(stage);
            var mean = st.Batches > 0 ? st.Seconds / st.Batches : 0;
            lines.Add($"  {stage.ToString().ToLowerInvariant(),-8}   {st.Batches,5} batches {st.Seconds,8:F3} s total {mean,8:F3} s/batch");
        }
        if (BareRuns.Count > 1)
            lines.Add("  rounds     " + string.Join(" | ", BareRuns.Zip(PipelineRuns, (b, p) =>
                string.Create(CultureInfo.InvariantCulture, $"{b.ImgStepsPerSecond:F0} / {p.ImgStepsPerSecond:F0}"))));
        return lines;
    }

    private static JsonObject Stages(PipelineStats stats)
    {
        var stages = new JsonObject();
        foreach (var stage in Enum.GetValues<PipelineStage>())
        {
            var st = stats.Stage(stage);
            stages[stage.ToString().ToLowerInvariant()] = new JsonObject
            {
                ["batches"] = st.Batches,
                ["items"] = st.Items,
                ["seconds"] = Math.Round(st.Seconds, 4),
            };
        }
        return stages;
    }

    private static string Megabytes(long? bytes) => bytes is { } b ? $"{b / 1e6:F0} MB" : "n/a";
}
