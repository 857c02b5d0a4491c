using StreamPipeline.Application.Building;
using StreamPipeline.Cli.Presentation;
using StreamPipeline.Data;
using StreamPipeline.Data.Jobs;
using StreamPipeline.Models;
using StreamPipeline.Pipeline.Streaming;
using TorchSharp;

namespace StreamPipeline.Cli.Benchmarking;

/// <summary>
/// Runs <c>stream-pipeline bench</c>: prepares the model and the data once, warms each phase up, then alternates
/// (a) the bare PGD loop and (b) the full pipeline <see cref="BenchSettings.Repeat"/> times on the same model, batches and
/// data. Everything it writes lives in one temporary directory, deleted at the end.
/// </summary>
public static class BenchRunner
{
    /// <param name="display">The pipeline phases' view: <see cref="DisplayMode.Plain"/> (a redrawn view would cost time inside the measurement) or quiet.</param>
    public static async Task<BenchReport> RunAsync(BenchSettings settings, DisplayMode display, Action<string> say, CancellationToken ct)
    {
        settings = settings.Validated();
        var plan = DevicePlan.For(settings.Devices, line => Console.Error.WriteLine(line));
        var devices = plan.Devices;
        var root = Path.Combine(Path.GetTempPath(), "sp-bench-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        try
        {
            // Start images and checks use the whole dataset, as build does; the limit only decides what is built.
            using var data = DatasetReference.Open(settings.Data, new DatasetOptions(settings.DataRoot));
            var (modelPath, modelName) = PrepareModel(settings.Model, data, root);
            var spec = settings.ToJobSpec(modelPath, devices);
            Checkpoint.CheckCompatible(Checkpoint.ReadInfo(modelPath), data.Shape, data.Classes);
            var images = Math.Min(spec.Limit ?? data.Count, data.Count);
            // The thread count the build service gives each worker (null: the process's setting, untouched).
            var threads = plan.TorchThreadsPerWorker;
            var construction = spec.ToConstructionSettings();

            say($"bench: {Names.Construction.Of(spec.Construction)} on {data.Reference}, {images:N0} images, batch {spec.BatchSize}, shard {spec.ShardSize}, " +
                $"{spec.Attack.Describe()}, model {modelName}, devices {string.Join(",", devices)}, " +
                $"{settings.Repeat} round(s) of (bare, pipeline)");

            // (a) reads its data into memory first, with the pipeline's own loader and batch plan.
            var loader = new BatchLoader(data, StartImageChooser.For(spec, data.Count));
            var batches = ShardPlanner.Plan(images, spec.ShardSize)
                .SelectMany(shard => ShardPlanner.Batches(shard, spec.BatchSize))
                .Select(plan => loader.Load(plan).Request)
                .ToArray();
            var warmupCount = (int)Math.Min(Math.Min(BenchSettings.WarmupExamples, images), spec.BatchSize);
            var warmupShard = new ShardPlan(0, 0, warmupCount);
            var warmup = loader.Load(new BatchPlan(warmupShard, 0, 0, warmupCount)).Request;

            say($"bench: warming the pipeline up ({warmupCount} images)");
            await PipelineBenchmark.RunAsync(settings.ToJobSpec(modelPath, devices, warmupCount), Path.Combine(root, "warmup"), settings.DataRoot, display, ct);

            var bareRuns = new List<BareMeasurement>();
            var pipelineRuns = new List<PipelineMeasurement>();
            var perPhase = true;
            for (var round = 1; round <= settings.Repeat; round++)
            {
                perPhase &= StartPhase(out var rss);
                var bare = BarePgdLoop.Run(modelPath, construction, devices, threads, batches, warmup, ct) with { StartRssBytes = rss };
                bareRuns.Add(bare);
                say($"bench: round {round}/{settings.Repeat}: bare loop {bare.ImgStepsPerSecond:N0} img-PGD-steps/s ({bare.Elapsed.TotalSeconds:F2} s)");

                perPhase &= StartPhase(out rss);
                var jobDir = Path.Combine(root, $"job-{round}");
                var pipeline = await PipelineBenchmark.RunAsync(spec, jobDir, settings.DataRoot, display, ct) with { StartRssBytes = rss };
                pipelineRuns.Add(pipeline);
                TryDelete(jobDir);
                say($"bench: round {round}/{settings.Repeat}: pipeline {pipeline.ImgStepsPerSecond:N0} img-PGD-steps/s ({pipeline.Elapsed.TotalSeconds:F2} s)");
            }
            return new BenchReport(spec, modelName, images, bareRuns, pipelineRuns, perPhase);
        }
        finally
        {
            TryDelete(root);
        }
    }

    /// <summary>
    /// A clean start for a timed phase: garbage of the previous phase collected now rather than inside the timing,
    /// and the peak RSS lowered to the current RSS (false where the kernel refuses; the peak is then cumulative).
    /// </summary>
    private static bool StartPhase(out long? rss)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var reset = PeakRss.TryReset();
        rss = PeakRss.ReadCurrentBytes();
        return reset;
    }

    /// <summary>The given checkpoint, or a freshly initialised small-cnn saved under <paramref name="root"/>: PGD costs the same whatever the weights.</summary>
    private static (string Path, string Name) PrepareModel(string? model, IImageDataset data, string root)
    {
        if (model is not null)
        {
            if (!File.Exists(model)) throw new FileNotFoundException($"model checkpoint not found: {model}");
            return (model, model);
        }
        var path = Path.Combine(root, "small-cnn.pt");
        torch.manual_seed(0);
        using var fresh = ModelFactory.Create(SmallCnn.ArchitectureName, data.Shape, data.Classes);
        Checkpoint.Save(fresh, path, CheckpointInfo.Describe(fresh, data.Reference));
        return (path, $"{SmallCnn.ArchitectureName} (freshly initialised)");
    }

    private static void TryDelete(string directory)
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
