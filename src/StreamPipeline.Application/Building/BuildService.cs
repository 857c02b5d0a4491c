using System.Text.Json;
using StreamPipeline.Data;
using StreamPipeline.Data.Files;
using StreamPipeline.Data.Parquet;
using StreamPipeline.Models;
using StreamPipeline.Pipeline;
using StreamPipeline.Pipeline.Sinks;
using StreamPipeline.Pipeline.Specs;
using StreamPipeline.Pipeline.Streaming;
using TorchSharp;

namespace StreamPipeline.Application.Building;

/// <summary>
/// The composition root of a build: checks everything the input decides (checkpoint, its fit to the data, devices)
/// before the job directory is touched, then wires the dataset, the torch perturbers, the Parquet sink and the actor
/// system into a <see cref="JobRunner"/> run. The build command, the experiment and bench all come through here.
/// </summary>
public static class BuildService
{
    /// <summary>Runs (or resumes) the build; <paramref name="say"/> gets the human lines, <paramref name="observer"/> the progress.</summary>
    public static async Task<BuildResult> RunAsync(BuildRequest request, BuildObserver? observer, Action<string> say, CancellationToken ct, Akka.Configuration.Config? akka = null)
    {
        using var prepared = Prepare(request.Spec, request.DataRoot, say, request.Transforms);
        var spec = prepared.Spec;
        say($"{Names.Construction.Of(spec.Construction)} from {prepared.Data.Reference} with {spec.Model} on {string.Join(",", spec.Devices)} " +
            $"({spec.Attack.Describe()}) -> {request.JobDir}");
        using var system = PipelineSystem.Create(overrides: akka);
        using var runner = new JobRunner(system, request.Metrics);
        var perturbers = request.WrapPerturbers is { } wrap ? wrap(prepared.Perturbers) : prepared.Perturbers;
        var job = new BuildJob(spec, request.JobDir, prepared.Data, perturbers, prepared.Sink, prepared.ModelSha256)
        {
            Node = request.Node,
            DataFingerprint = prepared.DataFingerprint,
        };
        return await runner.RunAsync(job, observer, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// What the input decides, checked without a device or libtorch: the checkpoint exists, its weights match their
    /// sidecar (read and hashed once, here) and it fits the data; the data opens. A coordinator needs no more.
    /// Dispose to close the data.
    /// </summary>
    public static CheckedJob Check(JobSpec spec, string? dataRoot)
    {
        if (Directory.Exists(spec.Model))
            throw new ArgumentException($"model {spec.Model} is a directory, not a checkpoint");
        if (!File.Exists(spec.Model))
            throw new FileNotFoundException($"model checkpoint not found: {InputText.Show(spec.Model)}");
        var checkpoint = VerifiedCheckpoint.Read(spec.Model);
        // Start images are drawn from the whole source dataset; the limit only decides which examples are built.
        var data = DatasetReference.Open(spec.Data, new DatasetOptions(dataRoot));
        try
        {
            Checkpoint.CheckCompatible(checkpoint.Info, data.Shape, data.Classes);
            return new CheckedJob(spec, data, checkpoint, DatasetFingerprint.Of(data));
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Everything a build needs, checked: <see cref="Check"/>, then <see cref="Prepare(CheckedJob, Action{string}?, InferenceTransforms?)"/>.
    /// </summary>
    public static PreparedBuild Prepare(JobSpec spec, string? dataRoot, Action<string>? notice, InferenceTransforms? transforms = null)
    {
        var job = Check(spec, dataRoot);
        try
        {
            return Prepare(job, notice, transforms);
        }
        catch
        {
            job.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Makes a checked job ready for its devices: the devices exist (<c>auto</c> resolved), and the weights load into the
    /// architecture the sidecar names — the first device's model, loaded here from the verified bytes so a bad
    /// checkpoint is exit 2 before any job directory exists, and handed to the first device worker that starts (each
    /// further device loads its own from the same bytes). <paramref name="transforms"/> (null: all) is how the device
    /// workers prepare the model. The returned build owns <paramref name="job"/>.
    /// </summary>
    public static PreparedBuild Prepare(CheckedJob job, Action<string>? notice, InferenceTransforms? transforms = null)
    {
        var devices = DevicePlan.For(job.Spec.Devices, notice);
        var spec = JobSpecLoader.Change(job.Spec, new JobSpecOverrides { Devices = devices.Devices }, "(resolved devices)");
        var first = job.Checkpoint.Load(torch.CPU);
        try
        {
            var metadata = new ConstructedDatasetMetadata(
                // Only the fields that decide the rows: shards of a resumed run on other devices (or with faults) stay byte-identical.
                job.Data.Shape, job.Data.ClassNames, spec.OutputCanonicalJson(), job.SpecHash, job.ModelSha256,
                JsonSerializer.Serialize(spec.ToJsonObject()["attack"]));
            return new PreparedBuild(job, spec, devices,
                new ModelPerturberFactory(job.Checkpoint, spec.ToConstructionSettings(), devices.TorchThreadsPerWorker, transforms, first),
                new ParquetShardSink(metadata));
        }
        catch
        {
            first.Dispose();
            throw;
        }
    }
}
