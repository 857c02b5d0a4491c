using Akka.Configuration;
using StreamPipeline.Application.Building;
using StreamPipeline.Data;
using StreamPipeline.Data.Jobs;
using StreamPipeline.Pipeline.Streaming;

namespace StreamPipeline.Bench;

/// <summary>
/// Runs <c>stream-pipeline bench</c>: prepares the model and the data once and decides the mode. Paired mode hands the
/// rounds to <see cref="PairedBench"/> (both phases at once, one pinned CPU each). Sequential mode warms the pipeline
/// code up once, then runs <see cref="BenchSettings.Repeat"/> rounds of every phase on the same model, batches and data — odd rounds bare first,
/// even rounds in the reverse order, so that neither phase always runs on a machine the other has just warmed or
/// heated. Each phase starts after a full garbage collection and with the peak RSS reset. Everything it writes lives in
/// one temporary directory, deleted at the end.
/// </summary>
public static class BenchRunner
{
    /// <param name="quiet">
    /// False: progress as plain lines through <paramref name="say"/> (a redrawn view would cost time inside the
    /// measurement); true: no progress, only one-off lines such as a peer that cannot run.
    /// </param>
    /// <param name="akka">Settings for the actor systems of the pipeline and cluster phases (the command line routes their log).</param>
    public static async Task<BenchReport> RunAsync(BenchSettings settings, bool quiet, Action<string> say, Config akka, CancellationToken ct)
    {
        settings = settings.Validated();
        Action<string> progress = quiet ? Quiet : say;
        var loadAtStart = LoadAverage.Read();
        var plan = DevicePlan.For(settings.Devices, line => say(line));
        var devices = plan.Devices;
        var root = Path.Combine(Path.GetTempPath(), "sp-bench-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        try
        {
            using var workload = BenchWorkload.Prepare(settings, devices, root);
            var model = workload.Model;
            var spec = workload.Spec;
            var images = workload.Images;
            var construction = workload.Construction;
            var batches = workload.Batches;
            var warmup = workload.Warmup;
            var warmupCount = workload.WarmupCount;
            var mode = ResolveMode(settings, devices, out var cpus, out var sequentialBecause);

            progress($"bench: {Names.Construction.Of(spec.Construction)} on {workload.Data.Reference}, {images:N0} images, batch {spec.BatchSize}, shard {spec.ShardSize}, " +
                $"{spec.Attack.Describe()}, model {model.Name}, devices {string.Join(",", devices)}; {settings.Repeat} round(s) of bare, pipeline" +
                (settings.Workers is { } w ? $", cluster ({w} worker(s))" : "") + (settings.Peer ? ", PyTorch" : "") +
                (mode == BenchMode.Paired ? $", paired (at the same time, one process pinned to each of CPUs {cpus.First} and {cpus.Second}, swapping every " +
                    $"{PairedBench.SwapInterval.TotalSeconds:0.#} s, 1 torch thread each)"
                    : $", sequential{(sequentialBecause is null ? "" : $" ({sequentialBecause})")}"));

            var hardware = MeasureHardware(workload, devices, mode, cpus, progress);
            if (mode == BenchMode.Paired)
            {
                var (pairedRounds, pairedPerPhase) = await PairedBench.RunAsync(settings, workload, cpus, root, progress, ct);
                return new BenchReport(spec, model, images, pairedRounds, null, false, null, loadAtStart, LoadAverage.Read(), pairedPerPhase)
                {
                    Mode = BenchMode.Paired,
                    ModeReason = null,
                    Hardware = hardware,
                    Transforms = settings.ModelTransforms,
                };
            }

            // The pipeline's (and cluster's) .NET code is compiled once here, before any round, not inside the first one, and
            // the process runs one full-size batch (one PGD step: every step allocates the same tensors) so that no timed phase
            // is the first to. Round 1's first phase has been seen to cost far more processor time than the same phase later
            // (61 against 37-41 cpu-s for the defaults' bare loop, on a shared machine): this takes first-time costs out of it.
            var fullBatch = (int)Math.Min(images, spec.BatchSize);
            progress($"bench: warming the pipeline code up ({fullBatch} images, 1 step)");
            await PipelineBenchmark.RunAsync(settings.ToJobSpec(model.Path, model.Data, devices, fullBatch, spec.BatchSize, steps: 1),
                Path.Combine(root, "warmup"), settings.DataRoot, warmup, settings.ModelTransforms, Quiet, akka, ct);
            if (settings.Workers is not null)
                await ClusterBenchmark.RunAsync(settings.ToJobSpec(model.Path, model.Data, devices, warmupCount, spec.BatchSize, spec.Attack.Steps),
                    1, Path.Combine(root, "warmup-cluster"), settings.DataRoot, warmup, Quiet, akka, ct);

            IReadOnlyList<PyTorchPeer> peers = [];
            string? peerUnavailable = null;
            if (settings.Peer)
            {
                peers = PyTorchPeer.Prepare(model.Path, model.Info, model.Data == BenchModel.DefaultSmallData, images, spec.BatchSize, spec.Attack.Steps,
                    spec.Attack.Eps, spec.Attack.StepSize, plan.TorchThreadsPerWorker ?? TorchThreads(), Path.Combine(root, "peer-weights.pt"), settings.DataRoot, out peerUnavailable);
                if (peerUnavailable is not null)
                    say($"bench: PyTorch peer not run: {peerUnavailable}");
            }

            var rounds = new List<BenchRound>();
            var perPhase = true;
            for (var number = 1; number <= settings.Repeat; number++)
            {
                var order = new List<BenchPhase> { BenchPhase.Bare, BenchPhase.Pipeline };
                if (settings.Workers is not null) order.Add(BenchPhase.Cluster);
                order.AddRange(peers.Select(p => p.Variant));
                if (number % 2 == 0) order.Reverse();

                PhaseMeasurement? bare = null, pipeline = null, cluster = null;
                PeerMeasurement? peerRun = null, peerBestRun = null;
                foreach (var phase in order)
                {
                    perPhase &= StartPhase(out var rss);
                    switch (phase)
                    {
                        case BenchPhase.Bare:
                            bare = BarePgdLoop.Run(model.Verified, construction, devices, plan.TorchThreadsPerWorker, batches, warmup, settings.ModelTransforms, ct) with
                            {
                                StartRssBytes = rss,
                                PeakRssBytes = PeakRss.ReadBytes(),
                            };
                            break;
                        case BenchPhase.Pipeline:
                            var jobDir = Path.Combine(root, $"job-{number}");
                            pipeline = await PipelineBenchmark.RunAsync(spec, jobDir, settings.DataRoot, warmup, settings.ModelTransforms,
                                line => progress("bench: pipeline: " + line), akka, ct) with
                            {
                                StartRssBytes = rss,
                                PeakRssBytes = PeakRss.ReadBytes(),
                            };
                            TryDelete(jobDir);
                            break;
                        case BenchPhase.Cluster:
                            var clusterDir = Path.Combine(root, $"cluster-{number}");
                            cluster = await ClusterBenchmark.RunAsync(spec, settings.Workers!.Value, clusterDir, settings.DataRoot, warmup, Quiet, akka, ct) with
                            {
                                StartRssBytes = rss,
                                PeakRssBytes = PeakRss.ReadBytes(),
                            };
                            TryDelete(clusterDir);
                            break;
                        case BenchPhase.Peer:
                            peerRun = await peers.Single(p => p.Variant == BenchPhase.Peer).RunAsync(ct);
                            break;
                        case BenchPhase.PeerBest:
                            peerBestRun = await peers.Single(p => p.Variant == BenchPhase.PeerBest).RunAsync(ct);
                            break;
                        default:
                            throw new ArgumentOutOfRangeException(nameof(phase), phase, null);
                    }
                }
                var round = new BenchRound(number, order, bare!, pipeline!, cluster, peerRun) { PeerBest = peerBestRun };
                rounds.Add(round);
                progress($"bench: round {number}/{settings.Repeat} ({string.Join(", ", order).ToLowerInvariant()}): bare {round.Bare.ImgStepsPerSecond:N0}, " +
                    $"pipeline {round.Pipeline.ImgStepsPerSecond:N0}" + (cluster is null ? "" : $", cluster {cluster.ImgStepsPerSecond:N0}") +
                    (peerRun is null ? "" : $", PyTorch {peerRun.ImgStepsPerSecond:N1}") + (peerBestRun is null ? "" : $", PyTorch at its best {peerBestRun.ImgStepsPerSecond:N1}") +
                    $" img-PGD-steps/s; ratio {round.Ratio:F3}, cpu ratio {round.CpuRatio:F3}");
            }
            // Training beside PyTorch, after the PGD rounds (its own rounds, same alternation), with --peer.
            TrainingComparison? training = null;
            string? trainingPeerUnavailable = null;
            var trainImages = settings.TrainingImagesFor(model.Info.Architecture);
            if (trainImages > 0)
            {
                var threads = plan.TorchThreadsPerWorker ?? TorchThreads();
                var trainingPeers = PyTorchPeer.PrepareTraining(model.Path, model.Info, model.Data == BenchModel.DefaultSmallData, trainImages, TrainingBench.Recipe,
                    threads, Path.Combine(root, "peer-weights.pt"), settings.DataRoot, out trainingPeerUnavailable);
                progress($"bench: training comparison: {trainImages:N0} images, 1 epoch, batch {TrainingBench.Recipe.BatchSize}, {settings.Repeat} round(s)");
                training = await TrainingBench.RunAsync(model.Info.Architecture, model.Data, settings.DataRoot, trainImages, threads, trainingPeers,
                    settings.Repeat, root, progress, ct);
            }
            return new BenchReport(spec, model, images, rounds, settings.Workers, settings.Peer, peerUnavailable, loadAtStart, LoadAverage.Read(), perPhase)
            {
                Training = training,
                TrainingPeerUnavailable = trainingPeerUnavailable,
                Mode = BenchMode.Sequential,
                ModeReason = sequentialBecause,
                Hardware = hardware,
                Transforms = settings.ModelTransforms,
            };
        }
        finally
        {
            TryDelete(root);
        }

        // The warm-up runs' own lines (and the cluster's join/leave chatter) would only bury the figures.
        static void Quiet(string line)
        {
        }
    }

    /// <summary>At most this many CPUs get the sgemm peak measured (about a second each) in sequential mode.</summary>
    private const int PeakCpus = 4;

    /// <summary>
    /// The model's FLOPs per image (counted from its layers) and, on CPU devices, the FP32 peak of the CPUs the phases run
    /// on (paired: both; sequential: the first <see cref="PeakCpus"/> this process may use), measured before any phase.
    /// </summary>
    private static BenchHardware MeasureHardware(BenchWorkload workload, IReadOnlyList<string> devices, BenchMode mode, (int First, int Second) cpus,
        Action<string> progress)
    {
        var model = workload.Model.Verified.Load(TorchSharp.torch.CPU);
        Models.ModelFlops flops;
        try
        {
            flops = Models.ModelFlops.Of(model);
        }
        finally
        {
            model.Dispose();
        }
        FlopPeak? peak = null;
        var allowed = CpuAffinity.Allowed();
        if (devices.All(d => d.StartsWith("cpu", StringComparison.Ordinal)))
        {
            IReadOnlyList<int> measureOn = mode == BenchMode.Paired ? [cpus.First, cpus.Second] : [.. allowed.Take(PeakCpus)];
            progress($"bench: measuring the FP32 peak: single-thread sgemm {FlopPeak.DefaultMatrixSize}x{FlopPeak.DefaultMatrixSize} on " +
                     (measureOn.Count == 0 ? "this CPU" : $"CPU {string.Join(", ", measureOn)}"));
            peak = FlopPeak.Measure(measureOn);
        }
        var cpusPerPhase = mode == BenchMode.Paired ? 1 : Math.Max(1, allowed.Count == 0 ? Environment.ProcessorCount : allowed.Count);
        return new BenchHardware(peak, flops, workload.Spec.Attack.Steps, workload.Batches.Count, cpusPerPhase);
    }

    /// <summary>
    /// Paired or sequential. Paired needs one CPU device (a GPU is one device both processes would share), two CPUs this
    /// process may use, Linux affinity, and no cluster or PyTorch phase (those run in sequence); auto takes paired when all
    /// hold and says why not otherwise. An explicit --mode paired that cannot hold is a usage error.
    /// </summary>
    private static BenchMode ResolveMode(BenchSettings settings, IReadOnlyList<string> devices, out (int First, int Second) cpus, out string? sequentialBecause)
    {
        cpus = default;
        sequentialBecause = null;
        if (settings.Mode == BenchMode.Sequential)
            return BenchMode.Sequential;
        var allowed = CpuAffinity.Allowed();
        var reason = settings.Workers is not null || settings.Peer ? "the cluster and PyTorch phases run in sequence"
            : devices is not ["cpu"] ? $"paired needs one CPU device; devices are {string.Join(",", devices)}"
            : allowed.Count < 2 ? $"paired needs two CPUs; this process may use {(allowed.Count == 0 ? "an unknown number" : allowed.Count.ToString())}"
            : null;
        if (reason is null)
        {
            cpus = (allowed[0], allowed[1]);
            return BenchMode.Paired;
        }
        if (settings.Mode == BenchMode.Paired)
            throw new ArgumentException($"--mode paired cannot run here: {reason}");
        sequentialBecause = reason;
        return BenchMode.Sequential;
    }

    /// <summary>The intra-op thread count a new torch thread starts with (what --threads or the default gives every phase).</summary>
    private static int TorchThreads()
    {
        var threads = 0;
        var probe = new Thread(() => threads = TorchSharp.torch.get_num_threads());
        probe.Start();
        probe.Join();
        return threads;
    }

    /// <summary>
    /// A clean start for a timed phase: garbage of the previous phase collected now rather than inside the timing,
    /// and the peak RSS lowered to the current RSS (false where the kernel refuses; the peak is then cumulative).
    /// </summary>
    internal static bool StartPhase(out long? rss)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var reset = PeakRss.TryReset();
        rss = PeakRss.ReadCurrentBytes();
        return reset;
    }

    internal static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a temporary directory left behind is harmless.
        }
    }
}
