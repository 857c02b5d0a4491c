using StreamPipeline.Application.Building;
using StreamPipeline.Data;
using StreamPipeline.Data.Jobs;
using StreamPipeline.Pipeline.Specs;
using StreamPipeline.Pipeline.Streaming;

namespace StreamPipeline.Bench;

/// <summary>
/// The work every phase of bench does, prepared once per process: the model and data, the D_det job, the batches the
/// bare loop perturbs (read into memory with the pipeline's own loader and batch plan), the warm-up batch (one full
/// batch) every device thread perturbs before its window opens, and the paired mode's small filler batch. The paired mode's phase processes prepare it from the same settings,
/// so both sides do exactly the same work.
/// </summary>
public sealed class BenchWorkload : IDisposable
{
    private BenchWorkload(BenchModel model, IImageDataset data, JobSpec spec, long images, IReadOnlyList<PerturbRequest> batches, PerturbRequest warmup,
        PerturbRequest filler)
    {
        Filler = filler;
        Model = model;
        Data = data;
        Spec = spec;
        Images = images;
        Batches = batches;
        Warmup = warmup;
    }

    public BenchModel Model { get; }

    public IImageDataset Data { get; }

    public JobSpec Spec { get; }

    /// <summary>Images each phase attacks (the limit, or fewer when the data has fewer).</summary>
    public long Images { get; }

    public ConstructionSettings Construction => Spec.ToConstructionSettings();

    public IReadOnlyList<PerturbRequest> Batches { get; }

    public PerturbRequest Warmup { get; }

    /// <summary>Examples in the warm-up batch: one full batch (fewer when the data is smaller).</summary>
    public int WarmupCount => Warmup.Source.Count;

    /// <summary>The paired mode's filler batch: the first <see cref="BenchSettings.FillerExamples"/> examples.</summary>
    public PerturbRequest Filler { get; }

    /// <summary>
    /// Resolves model and data (a fresh model or generated data is written under <paramref name="root"/>), builds the job
    /// as build's flags would, checks the model fits the data, and loads the batches.
    /// </summary>
    public static BenchWorkload Prepare(BenchSettings settings, IReadOnlyList<string> devices, string root)
    {
        var model = BenchModel.Prepare(settings.Model, settings.Data, settings.DataRoot,
            // Generated data holds the images attacked and those the training comparison trains on.
            architecture => Math.Max(settings.Limit ?? BenchSettings.DefaultsFor(architecture).Limit, settings.TrainingImagesFor(architecture)), root);
        var defaults = BenchSettings.DefaultsFor(model.Info.Architecture);
        // Start images and checks use the whole dataset, as build does; the limit only decides what is built.
        var data = DatasetReference.Open(model.Data, new DatasetOptions(settings.DataRoot));
        try
        {
            var spec = settings.ToJobSpec(model.Path, model.Data, devices, settings.Limit ?? defaults.Limit, settings.BatchSize ?? defaults.BatchSize,
                settings.Steps ?? defaults.Steps);
            Models.Checkpoint.CheckCompatible(model.Info, data.Shape, data.Classes);
            var images = Math.Min(spec.Limit ?? data.Count, data.Count);

            var loader = new BatchLoader(data, StartImageChooser.For(spec, data.Count));
            var batches = ShardPlanner.Plan(images, spec.ShardSize)
                .SelectMany(shard => ShardPlanner.Batches(shard, spec.BatchSize))
                .Select(batch => loader.Load(batch).Request)
                .ToArray();
            var warmupCount = (int)Math.Min(images, spec.BatchSize);
            var warmup = loader.Load(new BatchPlan(new ShardPlan(0, 0, warmupCount), 0, 0, warmupCount)).Request;
            var fillerCount = Math.Min(BenchSettings.FillerExamples, warmupCount);
            var filler = loader.Load(new BatchPlan(new ShardPlan(0, 0, fillerCount), 0, 0, fillerCount)).Request;
            return new BenchWorkload(model, data, spec, images, batches, warmup, filler);
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    public void Dispose() => Data.Dispose();
}
