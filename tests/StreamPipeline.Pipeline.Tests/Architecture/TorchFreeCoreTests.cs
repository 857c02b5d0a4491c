using System.Reflection;
using StreamPipeline.Pipeline.Streaming;
using StreamPipeline.Pipeline.Tests.TestData;
using Xunit.Abstractions;

namespace StreamPipeline.Pipeline.Tests.Architecture;

/// <summary>
/// The core — specs, manifest, planning, the stream and actor graph — needs no native code, so a cluster coordinator
/// (which never touches a tensor) can stand on it.
/// </summary>
public sealed class TorchFreeCoreTests(ITestOutputHelper output) : PipelineTestKit(output)
{
    [Fact]
    public void Pipeline_and_everything_it_references_load_without_TorchSharp()
    {
        var seen = new Dictionary<string, Assembly>(StringComparer.Ordinal);
        var pending = new Queue<Assembly>([typeof(JobRunner).Assembly]);
        while (pending.TryDequeue(out var assembly))
        {
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                if (reference.Name is null || seen.ContainsKey(reference.Name))
                    continue;
                var loaded = Assembly.Load(reference);
                seen[reference.Name] = loaded;
                pending.Enqueue(loaded);
            }
        }

        Assert.Contains("StreamPipeline.Data", seen.Keys);
        Assert.DoesNotContain(seen.Keys, name => name.StartsWith("TorchSharp", StringComparison.Ordinal));
        Assert.DoesNotContain(seen.Keys, name => name is "StreamPipeline.Models" or "StreamPipeline.Attacks");
    }

    [Fact]
    public async Task A_whole_build_runs_without_TorchSharp_ever_loading()
    {
        using var dir = new TempDirectory();
        var data = new InMemoryDataset(40, new StreamPipeline.Data.ImageShape(1, 4, 4));
        using var runner = new JobRunner(Sys);
        var spec = StreamPipeline.Pipeline.Specs.JobSpecLoader.Load(null, new StreamPipeline.Pipeline.Specs.JobSpecOverrides
        {
            Construction = ConstructionKind.Det, Model = "m", Data = data.Reference, ShardSize = 16, BatchSize = 8, Devices = ["cpu"],
        });

        var result = await runner.RunAsync(spec, dir.Path, data, new ShiftPerturberFactory(data.Classes), new BinaryShardSink(), new string('c', 64));

        Assert.True(result.Complete);
        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name?.StartsWith("TorchSharp", StringComparison.Ordinal) == true);
    }
}
