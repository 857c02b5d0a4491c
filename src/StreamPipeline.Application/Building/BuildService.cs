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
    /// Everything a build needs, checked: the checkpoint's weights match their sidecar and fit the data (loaded once
    /// here, so a bad checkpoint is exit 2 before any job directory exists), the devices exist. Dispose to close the data.
    /// <paramref name="transforms"/> (null: all) is how the device workers prepare the model.
    /// </summary>
    public static PreparedBuild Prepare(JobSpec spec, string? dataRoot, Action<string>? notice, InferenceTransforms? transforms = null)
    {
        if (Directory.Exists(spec.Model))
            throw new ArgumentException($"model {spec.Model} is a directory, not a checkpoint");
        if (!File.Exists(spec.Model))
            throw new FileNotFoundException($"model checkpoint not found: {InputText.Show(spec.Model)}");
        var info = Checkpoint.ReadInfo(spec.Model);
        var modelSha = FileChecksum.Sha256Of(spec.Model);
        if (!FileChecksum.Same(modelSha, info.WeightsSha256))
            throw new InvalidDataException($"{spec.Model}: weights do not match their sidecar (sha256 {modelSha}, sidecar says {info.WeightsSha256})");
        // Start images are drawn from the whole source dataset; the limit only decides which examples are built.
        var data = DatasetReference.Open(spec.Data, new DatasetOptions(dataRoot));
        try
        {
            Checkpoint.CheckCompatible(info, data.Shape, data.Classes);
            // The weights must load into the architecture the sidecar names: found now, not by a device worker later.
            var (model, _) = Checkpoint.Load(spec.Model, torch.CPU);
            model.Dispose();

            var devices = DevicePlan.For(spec.Devices, notice);
            spec = JobSpecLoader.Change(spec, new JobSpecOverrides { Devices = devices.Devices }, "(resolved devices)");
            var metadata = new ConstructedDatasetMetadata(
                // Only the fields that decide the rows: shards of a resumed run on other devices (or with faults) stay byte-identical.
                data.Shape, data.ClassNames, spec.OutputCanonicalJson(), spec.SpecHash(modelSha), modelSha,
                JsonSerializer.Serialize(spec.ToJsonObject()["attack"]));
            return new PreparedBuild(spec, data, modelSha, DatasetFingerprint.Of(data), devices,
                new ModelPerturberFactory(spec.Model, spec.ToConstructionSettings(), devices.TorchThreadsPerWorker, transforms),
                new ParquetShardSink(metadata));
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }
}
