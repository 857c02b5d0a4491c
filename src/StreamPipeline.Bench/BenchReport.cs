using System.Text.Json;
using System.Text.Json.Nodes;
using StreamPipeline.Models;
using StreamPipeline.Pipeline.Specs;
using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Bench;

/// <summary>
/// The outcome of <c>stream-pipeline bench</c>: every round, the median ratio with its spread, the processor-time ratio,
/// each phase's cost (GC, allocations, processor time by thread group), and the optional cluster and PyTorch phases;
/// as one JSON object or as text.
/// </summary>
/// <param name="PeerUnavailable">Why the PyTorch peer was asked for but not run (one line); null when it ran or was not asked for.</param>
/// <param name="PeakRssPerPhase">True when the peak was reset before each phase (its own peak); false: cumulative since start.</param>
public sealed record BenchReport(
    JobSpec Spec,
    BenchModel Model,
    long Images,
    IReadOnlyList<BenchRound> Rounds,
    int? Workers,
    bool PeerAsked,
    string? PeerUnavailable,
    LoadAverage? LoadAtStart,
    LoadAverage? LoadAtEnd,
    bool PeakRssPerPhase)
{
    /// <summary>How the phases ran against each other: paired (at the same time, one pinned CPU each) or sequential.</summary>
    public BenchMode Mode { get; init; } = BenchMode.Sequential;

    /// <summary>Why auto mode ran sequential; null when paired, or sequential was asked for.</summary>
    public string? ModeReason { get; init; }

    /// <summary>The work per image and this machine's measured FP32 peak, to read each phase against; null when not measured.</summary>
    public BenchHardware? Hardware { get; init; }

    /// <summary>Training beside PyTorch (with --peer); null when not run.</summary>
    public TrainingComparison? Training { get; init; }

    /// <summary>Why the training comparison's PyTorch side did not run (one line); null when it ran or was not asked for.</summary>
    public string? TrainingPeerUnavailable { get; init; }

    /// <summary>How the bare loop and the pipeline prepared the model.</summary>
    public InferenceTransforms Transforms { get; init; } = InferenceTransforms.All;

    /// <summary>The cores bench's phases keep busy at once: two in paired mode, else the torch threads of the CPU devices.</summary>
    public int CoresUsed => Mode == BenchMode.Paired
        ? 2
        : Math.Clamp(TorchThreadCounts.DefaultIfEmpty(1).Max() * Math.Max(1, Spec.Devices.Count(d => d.StartsWith("cpu", StringComparison.Ordinal))), 1,
            Environment.ProcessorCount);

    /// <summary>
    /// Why the machine was busy, or null: a 1-minute load average at start above the cores bench uses (other programs
    /// were running), or a phase that got clearly fewer cores than it has threads (something took them while it ran).
    /// Wall rates then understate the machine; the per-processor-second figures hold.
    /// </summary>
    public string? Busy
    {
        get
        {
            var reasons = new List<string>();
            if (LoadAtStart is { } load && load.OneMinute > CoresUsed)
                reasons.Add($"load average {load.OneMinute:F2} at start, above the {CoresUsed} core(s) bench uses");
            foreach (var phase in Enum.GetValues<BenchPhase>().Where(p => !IsPeer(p) && Phase(p).Count > 0))
            {
                var threads = Phase(phase).Max(m => m.TorchThreads.Sum());
                var cores = Median(phase, m => m.CoresInUse);
                if (cores < SqueezedShare * Math.Min(threads, CoresUsed))
                    reasons.Add($"{Label(phase)} ran on {cores:F2} cores for {threads} torch thread(s)");
            }
            return reasons.Count == 0 ? null : string.Join("; ", reasons);
        }
    }

    /// <summary>A phase with less than this share of the cores its threads could use was squeezed by other work.</summary>
    public const double SqueezedShare = 0.9;

    /// <summary>Issue 15's bar on a quiet 2-core machine: the median ratio within these bounds...</summary>
    public const double TargetRatioMin = 0.97;

    public const double TargetRatioMax = 1.03;

    /// <summary>...and the processor-time ratio at most this.</summary>
    public const double TargetCpuRatioMax = 1.05;

    /// <summary>Issue 12's bar for a one-worker cluster against the single-process build.</summary>
    public const double TargetClusterRatio = 0.90;

    public Spread Ratio => Spread.Of(Rounds.Select(r => r.Ratio));

    public Spread CpuRatio => Spread.Of(Rounds.Select(r => r.CpuRatio));

    public Spread? ClusterRatio => Workers is null ? null : Spread.Of(Rounds.Select(r => r.ClusterRatio ?? double.NaN));

    public Spread? ClusterCpuRatio => Workers is null ? null : Spread.Of(Rounds.Select(r => r.ClusterCpuRatio ?? double.NaN));

    public IReadOnlyList<PeerMeasurement> PeerRuns => [.. Rounds.Select(r => r.Peer).OfType<PeerMeasurement>()];

    /// <summary>The PyTorch peer at its best (OpenBLAS where installed, the same levers as ours), each round it ran.</summary>
    public IReadOnlyList<PeerMeasurement> PeerBestRuns => [.. Rounds.Select(r => r.PeerBest).OfType<PeerMeasurement>()];

    private static bool IsPeer(BenchPhase phase) => phase is BenchPhase.Peer or BenchPhase.PeerBest;

    /// <summary>Every torch thread count any device thread saw, in any phase: one value means like was measured with like.</summary>
    public IReadOnlyList<int> TorchThreadCounts =>
        [.. Rounds.SelectMany(r => Measured(r)).SelectMany(m => m.TorchThreads).Concat(PeerRuns.Concat(PeerBestRuns).Select(p => p.Threads)).Distinct().Order()];

    public string Device => string.Join(",", Spec.Devices);

    public string ToJson()
    {
        var json = new JsonObject
        {
            ["bare_img_steps_per_s"] = Number(Median(BenchPhase.Bare, m => m.ImgStepsPerSecond), 1),
            ["pipeline_img_steps_per_s"] = Number(Median(BenchPhase.Pipeline, m => m.ImgStepsPerSecond), 1),
            ["ratio"] = Number(Ratio.Median, 4),
            ["ratio_min"] = Number(Ratio.Min, 4),
            ["ratio_max"] = Number(Ratio.Max, 4),
            ["cpu_ratio"] = Number(CpuRatio.Median, 4),
            ["cpu_ratio_min"] = Number(CpuRatio.Min, 4),
            ["cpu_ratio_max"] = Number(CpuRatio.Max, 4),
            ["target"] = new JsonObject
            {
                ["ratio_min"] = TargetRatioMin,
                ["ratio_max"] = TargetRatioMax,
                ["cpu_ratio_max"] = TargetCpuRatioMax,
                ["cluster_ratio_min"] = TargetClusterRatio,
            },
            ["mode"] = Mode == BenchMode.Paired ? "paired" : "sequential",
            ["mode_reason"] = ModeReason,
            ["torch_threads"] = new JsonArray([.. TorchThreadCounts.Select(t => (JsonNode?)t)]),
            ["device"] = Device,
            ["cluster"] = ClusterJson(),
            ["peer"] = PeerJson(PeerRuns, r => r.BareToPeer, r => r.PipelineToPeer),
            ["peer_best"] = PeerAsked && PeerBestRuns.Count > 0 ? PeerJson(PeerBestRuns, r => r.BareToPeerBest, r => r.PipelineToPeerBest) : null,
            ["training"] = Training?.ToJson(),
            ["phases"] = PhasesJson(),
            ["hardware"] = HardwareJson(),
            ["busy"] = Busy,
            ["rounds"] = new JsonArray([.. Rounds.Select(RoundJson)]),
            ["load_average"] = new JsonObject { ["start"] = LoadJson(LoadAtStart), ["end"] = LoadJson(LoadAtEnd) },
            ["peak_rss_per_phase"] = PeakRssPerPhase,
            ["settings"] = new JsonObject
            {
                ["construction"] = Names.Construction.Of(Spec.Construction),
                ["model"] = Model.Name,
                ["architecture"] = Model.Info.Architecture,
                ["data"] = Spec.Data,
                ["images"] = Images,
                ["batch_size"] = Spec.BatchSize,
                ["shard_size"] = Spec.ShardSize,
                ["steps"] = Spec.Attack.Steps,
                ["norm"] = Names.Norm.Of(Spec.Attack.Norm),
                ["eps"] = Spec.Attack.Eps,
                ["step_size"] = Spec.Attack.StepSize,
                ["devices"] = new JsonArray([.. Spec.Devices.Select(d => (JsonNode?)JsonValue.Create(d))]),
                ["processor_count"] = Environment.ProcessorCount,
                ["repeat"] = Rounds.Count,
                ["workers"] = Workers,
                ["warmup_images"] = WarmupImages,
            },
        };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }

    /// <summary>The human summary (for stderr).</summary>
    public IReadOnlyList<string> ToText()
    {
        var ratio = Ratio;
        var cpu = CpuRatio;
        var threads = TorchThreadCounts;
        var lines = new List<string>
        {
            $"bench: {Names.Construction.Of(Spec.Construction)} on {Spec.Data}, {Model.Name}, {Images:N0} images x {Spec.Attack.Steps} steps, batch {Spec.BatchSize}, " +
            $"shard {Spec.ShardSize}, {Device}, torch threads {string.Join("/", threads)}, {Rounds.Count} round(s); " +
            $"load average {LoadAtStart?.ToString() ?? "n/a"} at start, {LoadAtEnd?.ToString() ?? "n/a"} at end",
            Mode == BenchMode.Paired
                ? $"  mode       paired: bare and pipeline at the same time, each its own process pinned to one CPU, the two swapping CPUs every " +
                  $"{PairedBench.SwapInterval.TotalSeconds:0.#} s, 1 torch thread each: the rates are per CPU, and a slower machine slows both sides of a round alike"
                : $"  mode       sequential: the phases one after the other on every core, the order alternating{(ModeReason is null ? "" : $" (not paired: {ModeReason})")}",
        };
        if (Busy is { } busy)
            lines.Add($"  WARNING    machine busy: {busy}. Wall rates understate this machine; read the per-processor-second figures");
        lines.Add($"  model      transforms {Transforms}" + (Hardware is { } work ? $"; {work.DescribeWork(Model.Info.Architecture)}" : ""));
        if (Hardware?.Peak is { } peak)
            lines.Add($"  peak       {peak.Describe()}");
        if (threads.Count > 1)
            lines.Add($"  WARNING    the phases ran with different torch thread counts ({string.Join(", ", threads)}): they did not do the same work the same way");
        foreach (var r in Rounds)
        {
            // Cores in use (processor seconds per second) beside each rate: a phase that got fewer cores than the others was
            // squeezed by something else on the machine, and its round says little.
            var how = r.Pairing is { } pair ? $"together; bare from CPU {pair.BareCpu}, pipeline from CPU {pair.PipelineCpu}, {pair.Swaps} swaps" : string.Join(", ", r.Order.Select(Label));
            var line = ($"  round {r.Number}    ({how}) bare {Rate(r.Bare.ImgStepsPerSecond)} ({r.Bare.CoresInUse:F2} cores), " +
                $"pipeline {Rate(r.Pipeline.ImgStepsPerSecond)} ({r.Pipeline.CoresInUse:F2} cores)");
            if (r.Cluster is { } c) line += ($", cluster {Rate(c.ImgStepsPerSecond)} ({c.CoresInUse:F2} cores)");
            if (r.Peer is { } p) line += ($", PyTorch {Rate(p.ImgStepsPerSecond)}");
            if (r.PeerBest is { } best) line += ($", PyTorch at its best {Rate(best.ImgStepsPerSecond)}");
            line += ($" img-PGD-steps/s; ratio {r.Ratio:F3}, cpu ratio {r.CpuRatio:F3}");
            lines.Add(line);
        }
        lines.Add(($"  ratio      {ratio.Median:F3} median pipeline/bare img-PGD-steps/s (spread {ratio.Min:F3}-{ratio.Max:F3}; target {TargetRatioMin:F2}-{TargetRatioMax:F2})" +
            (ratio.Median is >= TargetRatioMin and <= TargetRatioMax ? "" : "  OFF TARGET")));
        lines.Add(($"  cpu ratio  {cpu.Median:F3} median pipeline/bare processor time for the same work (spread {cpu.Min:F3}-{cpu.Max:F3}; target <= {TargetCpuRatioMax:F2})" +
            (cpu.Median <= TargetCpuRatioMax ? "" : "  OFF TARGET")));
        if (ClusterRatio is { } cluster)
            lines.Add(($"  cluster    {Workers} worker(s) on 127.0.0.1: {Rate(Median(BenchPhase.Cluster, m => m.ImgStepsPerSecond))} img-PGD-steps/s against the single process's " +
                $"{Rate(Median(BenchPhase.Pipeline, m => m.ImgStepsPerSecond))} (medians); ratio {cluster.Median:F3}, the median of the rounds' ratios (spread {cluster.Min:F3}-{cluster.Max:F3}; target >= {TargetClusterRatio:F2})" +
                (cluster.Median >= TargetClusterRatio ? "" : "  BELOW TARGET") +
                $", cpu ratio {ClusterCpuRatio!.Median:F3}. On {Environment.ProcessorCount} cores every worker shares the same cores: more workers cannot add speed here"));
        if (PeerUnavailable is not null)
            lines.Add($"  PyTorch    not run: {PeerUnavailable}");
        else
        {
            if (PeerRuns.Count > 0)
                lines.Add(PeerText("PyTorch", PeerRuns, r => r.BareToPeer, r => r.PipelineToPeer));
            if (PeerBestRuns.Count > 0)
                lines.Add(PeerText("PyTorch+", PeerBestRuns, r => r.BareToPeerBest, r => r.PipelineToPeerBest));
        }
        if (Training is { } training)
            lines.AddRange(training.ToText());
        if (TrainingPeerUnavailable is not null)
            lines.Add($"  training   PyTorch not run: {TrainingPeerUnavailable}");
        lines.Add("  medians    img-PGD-steps/s      s   cpu-s = torch + .NET pool + GC + other + ended threads   GC 0/1/2  GC pause  alloc/image  peak RSS (start)");
        foreach (var phase in Enum.GetValues<BenchPhase>().Where(p => !IsPeer(p) && Phase(p).Count > 0))
        {
            var runs = Phase(phase);
            var t = Median(phase, m => m.Cost.CpuByThreads.TorchSeconds);
            lines.Add(($"  {Label(phase),-9}  {Rate(Median(phase, m => m.ImgStepsPerSecond)),15} {Median(phase, m => m.Cost.Elapsed.TotalSeconds),6:F1} {Median(phase, m => m.Cost.Cpu.TotalSeconds),7:F1} = " +
                $"{t:F1} + {Median(phase, m => m.Cost.CpuByThreads.DotnetPoolSeconds):F2} + {Median(phase, m => m.Cost.CpuByThreads.GcSeconds):F2} + " +
                $"{Median(phase, m => m.Cost.CpuByThreads.OtherSeconds):F2} + {Median(phase, m => m.Cost.CpuByThreads.EndedSeconds):F2}" +
                $"{"",10}{Median(phase, m => m.Cost.Gen0Collections):F0}/{Median(phase, m => m.Cost.Gen1Collections):F0}/{Median(phase, m => m.Cost.Gen2Collections):F0}" +
                $"{Median(phase, m => m.Cost.GcPause.TotalMilliseconds),8:F0} ms {Median(phase, m => m.AllocatedBytesPerImage) / 1024,8:F1} KiB" +
                $"  {Megabytes(runs.Max(m => m.PeakRssBytes))} ({Megabytes(runs.MaxBy(m => m.PeakRssBytes ?? 0)!.StartRssBytes)})"));
        }
        if (Hardware is { } hardware)
        {
            foreach (var phase in Enum.GetValues<BenchPhase>().Where(p => !IsPeer(p) && Phase(p).Count > 0))
                lines.Add($"  hardware   {Label(phase),-9} " + HardwareText(Median(phase, m => m.ImgStepsPerCpuSecond), Phase(phase).Select(hardware.Of).ToList()) +
                          (Phase(phase).All(m => m.OnMainThread) ? " (torch on the main thread)" : Phase(phase).Any(m => m.OnMainThread) ? " (torch on the main thread in some runs)" : ""));
            foreach (var (label, runs) in new[] { ("pytorch", PeerRuns), ("pytorch+", PeerBestRuns) }.Where(p => p.Item2.Count > 0))
                lines.Add($"  hardware   {label,-9} " + HardwareText(Spread.Of(runs.Select(p => p.ImgStepsPerCpuSecond)).Median,
                    runs.Select(hardware.Of).ToList(), faults: false));
        }
        var pipelineRuns = Phase(BenchPhase.Pipeline);
        lines.Add(($"  pipeline   stages (wall s summed over batches, median): " +
            string.Join(", ", Enum.GetValues<PipelineStage>().Select(s => $"{s.ToString().ToLowerInvariant()} {Median(BenchPhase.Pipeline, m => m.Stats!.Stage(s).Seconds):F2}")) +
            $"; Parquet {Median(BenchPhase.Pipeline, m => m.ParquetWriteMBPerSecond ?? 0):F1} MB/s of persist stage; device busy {Median(BenchPhase.Pipeline, m => m.DeviceBusyShare ?? 0):P1}; " +
            $"with setup {Median(BenchPhase.Pipeline, m => m.WallWithSetup!.Value.TotalSeconds):F1} s, {Median(BenchPhase.Pipeline, m => m.CpuWithSetup!.Value.TotalSeconds):F1} cpu-s"));
        return lines;
    }

    private static string HardwareText(double perCpuSecond, IReadOnlyList<BenchHardware.Share> shares, bool faults = true)
    {
        var wall = Spread.Of(shares.Select(s => s.GflopsPerSecond)).Median;
        var cpu = Spread.Of(shares.Select(s => s.GflopsPerCpuSecond)).Median;
        var peak = Spread.Of(shares.Select(s => s.PeakShare ?? double.NaN)).Median;
        var peakCpu = Spread.Of(shares.Select(s => s.PeakSharePerCpuSecond ?? double.NaN)).Median;
        var sgemm = Spread.Of(shares.Select(s => s.SgemmSharePerCpuSecond ?? double.NaN)).Median;
        return $"{Rate(perCpuSecond)} img-PGD-steps per processor-second; {wall:F1} GFLOP/s" + (double.IsFinite(peak) ? $" = {peak:P1} of peak" : "") +
               $", {cpu:F1} GFLOP per processor-second" + (double.IsFinite(peakCpu) ? $" = {peakCpu:P1} of peak ({sgemm:P0} of sgemm)" : "") +
               (faults ? $"; {Spread.Of(shares.Select(s => s.MinorFaultsPerStep)).Median:N0} minor page faults per PGD step" : "");
    }

    private JsonNode? HardwareJson()
    {
        if (Hardware is not { } h)
            return null;
        return new JsonObject
        {
            ["transforms"] = Transforms.ToString(),
            ["forward_flop_per_image"] = h.Flops.ForwardPerImage,
            ["pgd_step_flop_per_image"] = h.Flops.PgdStepPerImage,
            ["flop_per_image"] = h.FlopPerImage,
            ["flop_convention"] = "2 FLOP per multiply-add of every convolution and linear layer; a PGD step = forward + input gradient = 2 x forward; " +
                                  "per image: steps x step + 2 forwards (best-iterate loss, success check)",
            ["batches"] = h.Batches,
            ["cores_used"] = CoresUsed,
            ["peak"] = h.Peak is not { } p ? null : new JsonObject
            {
                ["gflops_per_core"] = Number(p.GflopsPerCore, 2),
                ["sgemm_gflops_per_core"] = Number(p.SgemmGflopsPerCore, 2),
                ["method"] = $"per CPU, 1 thread, best of {p.Repetitions}, by the thread's processor time: the larger of 12 chains of fused " +
                             $"multiply-adds (256 and 512 bit) and sgemm {p.MatrixSize}x{p.MatrixSize} float32 (torch.mm)",
                ["per_cpu"] = new JsonArray([.. p.PerCpu.Select(c => (JsonNode?)new JsonObject
                {
                    ["cpu"] = c.Cpu,
                    ["fma_gflops_per_cpu_s"] = c.FmaGflops is { } f ? Number(f, 2) : null,
                    ["sgemm_gflops_per_cpu_s"] = Number(c.SgemmGflops, 2),
                    ["sgemm_gflops_per_wall_s"] = Number(c.SgemmGflopsPerWallSecond, 2),
                })]),
            },
        };
    }

    /// <summary>A phase's figures against the hardware, for the phase summaries and each round.</summary>
    private void AddHardware(JsonObject json, IReadOnlyList<BenchHardware.Share> shares, double imgStepsPerCpuSecond)
    {
        json["img_steps_per_cpu_s"] = Number(imgStepsPerCpuSecond, 1);
        if (shares.Count == 0)
            return;
        json["gflops_per_s"] = Number(Spread.Of(shares.Select(s => s.GflopsPerSecond)).Median, 2);
        json["gflops_per_cpu_s"] = Number(Spread.Of(shares.Select(s => s.GflopsPerCpuSecond)).Median, 2);
        json["peak_share"] = Number(Spread.Of(shares.Select(s => s.PeakShare ?? double.NaN)).Median, 4);
        json["peak_share_per_cpu_s"] = Number(Spread.Of(shares.Select(s => s.PeakSharePerCpuSecond ?? double.NaN)).Median, 4);
        json["sgemm_share_per_cpu_s"] = Number(Spread.Of(shares.Select(s => s.SgemmSharePerCpuSecond ?? double.NaN)).Median, 4);
        json["minor_faults_per_step"] = Number(Spread.Of(shares.Select(s => s.MinorFaultsPerStep)).Median, 1);
    }

    private int WarmupImages => (int)Math.Min(Images, Spec.BatchSize);

    private static string TorchSharpLibtorch => typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3) is { } v ? $"TorchSharp {v}" : "TorchSharp";

    private IReadOnlyList<PhaseMeasurement> Phase(BenchPhase phase) => [.. Rounds.SelectMany(Measured).Where(m => m.Phase == phase)];

    private static IEnumerable<PhaseMeasurement> Measured(BenchRound round) =>
        new[] { round.Bare, round.Pipeline, round.Cluster }.OfType<PhaseMeasurement>();

    private double Median(BenchPhase phase, Func<PhaseMeasurement, double> figure) => Spread.Of(Phase(phase).Select(figure)).Median;

    private static string Label(BenchPhase phase) => phase switch
    {
        BenchPhase.Bare => "bare",
        BenchPhase.Pipeline => "pipeline",
        BenchPhase.Cluster => "cluster",
        BenchPhase.Peer => "pytorch",
        BenchPhase.PeerBest => "pytorch-best",
        _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, null),
    };

    private JsonObject PhasesJson()
    {
        var phases = new JsonObject();
        foreach (var phase in Enum.GetValues<BenchPhase>().Where(p => !IsPeer(p) && Phase(p).Count > 0))
        {
            var runs = Phase(phase);
            var rate = Spread.Of(runs.Select(m => m.ImgStepsPerSecond));
            var peak = runs.MaxBy(m => m.PeakRssBytes ?? 0)!;
            var summary = new JsonObject
            {
                ["img_steps_per_s"] = Number(rate.Median, 1),
                ["img_steps_per_s_min"] = Number(rate.Min, 1),
                ["img_steps_per_s_max"] = Number(rate.Max, 1),
                ["seconds"] = Number(Median(phase, m => m.Cost.Elapsed.TotalSeconds), 3),
                ["cpu_seconds"] = Number(Median(phase, m => m.Cost.Cpu.TotalSeconds), 3),
                ["cpu_by_thread_seconds"] = new JsonObject
                {
                    ["torch"] = Number(Median(phase, m => m.Cost.CpuByThreads.TorchSeconds), 2),
                    ["dotnet_pool"] = Number(Median(phase, m => m.Cost.CpuByThreads.DotnetPoolSeconds), 2),
                    ["gc"] = Number(Median(phase, m => m.Cost.CpuByThreads.GcSeconds), 2),
                    ["other"] = Number(Median(phase, m => m.Cost.CpuByThreads.OtherSeconds), 2),
                    ["ended"] = Number(Median(phase, m => m.Cost.CpuByThreads.EndedSeconds), 2),
                },
                ["gc"] = new JsonObject
                {
                    ["gen0"] = Number(Median(phase, m => m.Cost.Gen0Collections), 1),
                    ["gen1"] = Number(Median(phase, m => m.Cost.Gen1Collections), 1),
                    ["gen2"] = Number(Median(phase, m => m.Cost.Gen2Collections), 1),
                    ["pause_ms"] = Number(Median(phase, m => m.Cost.GcPause.TotalMilliseconds), 1),
                },
                ["allocated_bytes_per_image"] = Number(Median(phase, m => m.AllocatedBytesPerImage), 0),
                ["attack_success"] = runs[0].AttackSuccessRate is { } success ? Number(success, 4) : null,
                ["peak_rss_bytes"] = peak.PeakRssBytes,
                ["start_rss_bytes"] = peak.StartRssBytes,
                ["minor_faults"] = Number(Median(phase, m => m.Cost.MinorFaults), 0),
                // Every run's torch work on the process's main thread (MainThread: where glibc reuses blocks above 64 MiB).
                ["main_thread"] = runs.All(m => m.OnMainThread),
            };
            if (phase != BenchPhase.Bare)
            {
                summary["wall_seconds_with_setup"] = Number(Median(phase, m => m.WallWithSetup!.Value.TotalSeconds), 3);
                summary["cpu_seconds_with_setup"] = Number(Median(phase, m => m.CpuWithSetup!.Value.TotalSeconds), 3);
                summary["parquet_bytes"] = runs[0].BytesWritten;
            }
            if (phase == BenchPhase.Pipeline)
            {
                summary["parquet_write_mb_per_s"] = Number(Median(phase, m => m.ParquetWriteMBPerSecond ?? double.NaN), 2);
                summary["device_busy_share"] = Number(Median(phase, m => m.DeviceBusyShare ?? double.NaN), 4);
                var stages = new JsonObject();
                foreach (var stage in Enum.GetValues<PipelineStage>())
                    stages[stage.ToString().ToLowerInvariant()] = new JsonObject
                    {
                        ["batches"] = runs[0].Stats!.Stage(stage).Batches,
                        ["seconds"] = Number(Median(phase, m => m.Stats!.Stage(stage).Seconds), 4),
                    };
                summary["stages"] = stages;
            }
            AddHardware(summary, Hardware is { } h ? [.. runs.Select(h.Of)] : [], Median(phase, m => m.ImgStepsPerCpuSecond));
            phases[Label(phase)] = summary;
        }
        return phases;
    }

    private JsonNode? ClusterJson()
    {
        if (Workers is null)
            return null;
        var rate = Spread.Of(Phase(BenchPhase.Cluster).Select(m => m.ImgStepsPerSecond));
        return new JsonObject
        {
            ["workers"] = Workers,
            ["img_steps_per_s"] = Number(rate.Median, 1),
            ["single_process_img_steps_per_s"] = Number(Median(BenchPhase.Pipeline, m => m.ImgStepsPerSecond), 1),
            ["ratio"] = Number(ClusterRatio!.Median, 4),
            ["ratio_min"] = Number(ClusterRatio.Min, 4),
            ["ratio_max"] = Number(ClusterRatio.Max, 4),
            ["cpu_ratio"] = Number(ClusterCpuRatio!.Median, 4),
            ["note"] = $"coordinator and workers in one process on 127.0.0.1, sharing this machine's {Environment.ProcessorCount} cores: more workers cannot add speed here",
        };
    }

    private string PeerText(string label, IReadOnlyList<PeerMeasurement> runs, Func<BenchRound, double?> bareTo, Func<BenchRound, double?> pipelineTo)
    {
        var peer = runs[0];
        var rate = Spread.Of(runs.Select(p => p.ImgStepsPerSecond));
        return $"  {label,-9}  {peer.Engine}, {peer.Blas}, transforms {peer.Levers}, glibc malloc {(peer.GlibcTunables.Length == 0 ? "default" : "tuned as ours")}, " +
               $"{peer.Threads} thread(s), weights {(peer.Weights == "random" ? "random" : "the same (exported)")}, data {peer.Data}: " +
               $"{Rate(rate.Median)} img-PGD-steps/s (spread {Rate(rate.Min)}-{Rate(rate.Max)}); ours/PyTorch: bare {Spread.Of(Rounds.Select(r => bareTo(r) ?? double.NaN)).Median:F2}, " +
               $"pipeline {Spread.Of(Rounds.Select(r => pipelineTo(r) ?? double.NaN)).Median:F2} (libtorch {TorchSharpLibtorch} here, PyTorch's own libtorch there)";
    }

    private JsonNode? PeerJson(IReadOnlyList<PeerMeasurement> runs, Func<BenchRound, double?> bareTo, Func<BenchRound, double?> pipelineTo)
    {
        if (!PeerAsked)
            return null;
        if (PeerUnavailable is not null || runs.Count == 0)
            return new JsonObject { ["available"] = false, ["reason"] = PeerUnavailable ?? "not run" };
        var peer = runs[0];
        var rate = Spread.Of(runs.Select(p => p.ImgStepsPerSecond));
        var shares = Hardware is { } h ? runs.Select(h.Of).ToList() : [];
        var json = new JsonObject
        {
            ["available"] = true,
            ["engine"] = peer.Engine,
            ["arch"] = peer.Arch,
            ["data"] = peer.Data,
            ["weights"] = peer.Weights == "random" ? "random" : "same",
            ["threads"] = peer.Threads,
            ["blas"] = peer.Blas,
            ["transforms"] = peer.Levers,
            ["glibc_tunables"] = peer.GlibcTunables,
            ["img_steps_per_s"] = Number(rate.Median, 1),
            ["img_steps_per_s_min"] = Number(rate.Min, 1),
            ["img_steps_per_s_max"] = Number(rate.Max, 1),
            ["cpu_seconds"] = Number(Spread.Of(runs.Select(p => p.CpuSeconds)).Median, 3),
            ["attack_success"] = Number(peer.AttackSuccessRate, 4),
            ["bare_to_peer"] = Number(Spread.Of(Rounds.Select(r => bareTo(r) ?? double.NaN)).Median, 4),
            ["pipeline_to_peer"] = Number(Spread.Of(Rounds.Select(r => pipelineTo(r) ?? double.NaN)).Median, 4),
        };
        AddHardware(json, shares, Spread.Of(runs.Select(p => p.ImgStepsPerCpuSecond)).Median);
        json.Remove("minor_faults_per_step");
        return json;
    }

    private static JsonObject RoundJson(BenchRound r)
    {
        var round = new JsonObject
        {
            ["round"] = r.Number,
            ["order"] = r.Pairing is null ? new JsonArray([.. r.Order.Select(p => (JsonNode?)Label(p))]) : null,
            ["ratio"] = Number(r.Ratio, 4),
            ["cpu_ratio"] = Number(r.CpuRatio, 4),
            ["bare"] = PhaseJson(r.Bare),
            ["pipeline"] = PhaseJson(r.Pipeline),
        };
        if (r.Pairing is { } pair)
            round["cpus"] = new JsonObject
            {
                ["bare"] = pair.BareCpu,
                ["pipeline"] = pair.PipelineCpu,
                ["swaps"] = pair.Swaps,
                ["bare_threads_allowed"] = new JsonArray([.. pair.BareThreadCpus.Select(c => (JsonNode?)c)]),
                ["pipeline_threads_allowed"] = new JsonArray([.. pair.PipelineThreadCpus.Select(c => (JsonNode?)c)]),
            };
        if (r.Cluster is { } cluster)
        {
            round["cluster_ratio"] = Number(r.ClusterRatio!.Value, 4);
            round["cluster_cpu_ratio"] = Number(r.ClusterCpuRatio!.Value, 4);
            round["cluster"] = PhaseJson(cluster);
        }
        if (r.Peer is { } peer)
        {
            round["bare_to_peer"] = Number(r.BareToPeer!.Value, 4);
            round["pipeline_to_peer"] = Number(r.PipelineToPeer!.Value, 4);
            round["peer"] = PeerRoundJson(peer);
        }
        if (r.PeerBest is { } best)
        {
            round["bare_to_peer_best"] = Number(r.BareToPeerBest!.Value, 4);
            round["pipeline_to_peer_best"] = Number(r.PipelineToPeerBest!.Value, 4);
            round["peer_best"] = PeerRoundJson(best);
        }
        return round;
    }

    /// <summary>One PyTorch run of a round (as Debian installs it, or at its best).</summary>
    private static JsonObject PeerRoundJson(PeerMeasurement peer) => new()
    {
        ["img_steps_per_s"] = Number(peer.ImgStepsPerSecond, 1),
        ["seconds"] = Number(peer.Seconds, 3),
        ["cpu_seconds"] = Number(peer.CpuSeconds, 3),
    };

    private static JsonObject PhaseJson(PhaseMeasurement m)
    {
        var c = m.Cost;
        var phase = new JsonObject
        {
            ["img_steps_per_s"] = Number(m.ImgStepsPerSecond, 1),
            ["seconds"] = Number(c.Elapsed.TotalSeconds, 3),
            ["cpu_seconds"] = Number(c.Cpu.TotalSeconds, 3),
            ["cores_in_use"] = Number(m.CoresInUse, 2),
            ["cpu_by_thread_seconds"] = new JsonObject
            {
                ["torch"] = Number(c.CpuByThreads.TorchSeconds, 2),
                ["dotnet_pool"] = Number(c.CpuByThreads.DotnetPoolSeconds, 2),
                ["gc"] = Number(c.CpuByThreads.GcSeconds, 2),
                ["other"] = Number(c.CpuByThreads.OtherSeconds, 2),
                ["ended"] = Number(c.CpuByThreads.EndedSeconds, 2),
            },
            ["gc"] = new JsonObject
            {
                ["gen0"] = c.Gen0Collections,
                ["gen1"] = c.Gen1Collections,
                ["gen2"] = c.Gen2Collections,
                ["pause_ms"] = Number(c.GcPause.TotalMilliseconds, 1),
            },
            ["allocated_bytes"] = c.AllocatedBytes,
            ["allocated_bytes_per_image"] = Number(m.AllocatedBytesPerImage, 0),
            ["torch_threads"] = new JsonArray([.. m.TorchThreads.Select(t => (JsonNode?)t)]),
            ["main_thread"] = m.OnMainThread,
            ["peak_rss_bytes"] = m.PeakRssBytes,
            ["start_rss_bytes"] = m.StartRssBytes,
            ["img_steps_per_cpu_s"] = Number(m.ImgStepsPerCpuSecond, 1),
            ["minor_faults"] = m.Cost.MinorFaults,
            ["major_faults"] = m.Cost.MajorFaults,
        };
        if (m.WallWithSetup is { } wall) phase["wall_seconds_with_setup"] = Number(wall.TotalSeconds, 3);
        if (m.CpuWithSetup is { } cpu) phase["cpu_seconds_with_setup"] = Number(cpu.TotalSeconds, 3);
        if (m.DeviceBusyShare is { } busy) phase["device_busy_share"] = Number(busy, 4);
        return phase;
    }

    private static JsonNode? LoadJson(LoadAverage? load) =>
        load is null ? null : new JsonArray(load.OneMinute, load.FiveMinutes, load.FifteenMinutes);

    /// <summary>A rounded number, or null for a value that is not finite (JSON has no NaN).</summary>
    private static JsonNode? Number(double value, int digits) => double.IsFinite(value) ? JsonValue.Create(Math.Round(value, digits)) : null;

    private static string Megabytes(long? bytes) => bytes is { } b ? $"{b / 1e6:F0} MB" : "n/a";

    /// <summary>A rate as the text shows it: whole numbers, one decimal below 100 (a ResNet-50 on a CPU does about 10).</summary>
    private static string Rate(double value) => value < 100 ? value.ToString("N1") : value.ToString("N0");
}
