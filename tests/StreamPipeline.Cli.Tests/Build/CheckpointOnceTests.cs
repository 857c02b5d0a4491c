using System.Diagnostics;
using System.Text.RegularExpressions;
using StreamPipeline.Application.Building;
using StreamPipeline.Data;
using StreamPipeline.Models;
using StreamPipeline.Pipeline.Devices;
using StreamPipeline.Pipeline.Specs;
using TorchSharp;

namespace StreamPipeline.Cli.Tests.Build;

/// <summary>
/// A build reads and hashes its checkpoint once and loads the model once per device, however many devices it runs on:
/// seen in the real program's system calls (strace: the weights file opened once) and in a real in-process build with
/// two device workers (two models made from the one verified checkpoint).
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed class CheckpointOnceTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private (string Model, string Data) TinyJobInputs()
    {
        var data = TinyData.Reference(TinyData.WriteIdx(_dir.Path, "source", 64, seed: 3));
        using var opened = DatasetReference.Open(data, new DatasetOptions(null));
        var model = _dir.File("mlp.pt");
        torch.manual_seed(1);
        using var fresh = ModelFactory.Create(Mlp.ArchitectureName, opened.Shape, opened.Classes);
        Checkpoint.Save(fresh, model, CheckpointInfo.Describe(fresh, opened.Reference));
        return (model, data);
    }

    [Fact]
    public void A_build_on_two_devices_opens_the_weights_file_once()
    {
        var (model, data) = TinyJobInputs();
        var trace = _dir.File("openat.trace");
        var job = _dir.File("job");
        var cli = CliProcess.StartInfo(_dir.Path, "build", job, "--construction", "det", "--model", model, "--data", data, "--limit", "32",
            "--shard-size", "16", "--batch-size", "8", "--steps", "2", "--devices", "cpu,cpu", "--metrics", "none", "--threads", "1");
        // The same program under strace -f (the program re-executes itself once at start to set its allocator: followed too).
        var info = new ProcessStartInfo("strace")
        {
            WorkingDirectory = cli.WorkingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-f", "-qq", "-e", "trace=open,openat", "-o", trace, cli.FileName }.Concat(cli.ArgumentList))
            info.ArgumentList.Add(arg);
        foreach (var (name, value) in cli.Environment)
            info.Environment[name] = value;

        var result = CliProcess.Run(info, TimeSpan.FromMinutes(5));

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(2, JobManifest.Read(job).Done.Count());
        var opens = File.ReadAllLines(trace).Where(l => !l.Contains("ENOENT", StringComparison.Ordinal)).ToList();
        // The sidecar is read too: the trace does see this program's opens of the checkpoint's files.
        Assert.Contains(opens, l => l.Contains($"\"{model}.json\"", StringComparison.Ordinal));
        var weights = opens.Where(l => l.Contains($"\"{model}\"", StringComparison.Ordinal)).ToList();
        Assert.True(weights.Count == 1, $"the weights file was opened {weights.Count} times:\n{string.Join('\n', weights)}");
    }

    [Fact]
    public async Task A_build_on_two_devices_loads_the_model_twice_from_one_verified_checkpoint()
    {
        var (model, data) = TinyJobInputs();
        var spec = JobSpecLoader.Load(null, new JobSpecOverrides
        {
            Construction = ConstructionKind.Det, Model = model, Data = data, Limit = 32, ShardSize = 16, BatchSize = 8, Steps = 2,
            Devices = ["cpu", "cpu"],
        });
        ModelPerturberFactory? factory = null;
        var request = new BuildRequest(spec, _dir.File("job"), null)
        {
            WrapPerturbers = inner =>
            {
                factory = Assert.IsType<ModelPerturberFactory>(inner);
                return inner;
            },
        };

        var result = await BuildService.RunAsync(request, null, _ => { }, CancellationToken.None);

        Assert.True(result.Complete);
        Assert.NotNull(factory);
        Assert.Equal(2, factory.Checkpoint.Loads);
        Assert.Equal(Checkpoint.ReadInfo(model).WeightsSha256, factory.Checkpoint.Sha256);
    }

    public void Dispose() => _dir.Dispose();
}
