using System.Text.Json.Nodes;
using StreamPipeline.Data;
using static TorchSharp.torch;

namespace StreamPipeline.Models.Tests;

/// <summary>The sidecar's optional <c>imported_from</c> field: written for imports, absent from older sidecars.</summary>
public sealed class CheckpointImportSourceTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("sp-models-import-source-").FullName;

    public CheckpointImportSourceTests() => TorchTestEnvironment.Ensure();

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void Import_source_round_trips_through_the_sidecar()
    {
        using var model = ModelFactory.Create("small-cnn", new ImageShape(1, 8, 8), 3);
        var source = new ImportSource("/data/robust.pt", new string('a', 64), "torch.save zip: plain state_dict", "model");
        var path = Path.Combine(directory, "imported.ckpt");

        Checkpoint.Save(model, path, CheckpointInfo.Describe(model, "imported:robust.pt") with { ImportedFrom = source });

        Assert.Equal(source, Checkpoint.ReadInfo(path).ImportedFrom);
        Assert.Contains("\"imported_from\"", File.ReadAllText(Checkpoint.SidecarPath(path)));
    }

    [Fact]
    public void A_sidecar_written_before_imported_from_existed_still_loads()
    {
        using var model = ModelFactory.Create("small-cnn", new ImageShape(1, 8, 8), 3);
        var path = Path.Combine(directory, "old.ckpt");
        Checkpoint.Save(model, path, CheckpointInfo.Describe(model, "test:train"));
        var sidecar = JsonNode.Parse(File.ReadAllText(Checkpoint.SidecarPath(path)))!.AsObject();
        Assert.True(sidecar.Remove("imported_from"));
        File.WriteAllText(Checkpoint.SidecarPath(path), sidecar.ToJsonString());

        var (loaded, info) = Checkpoint.Load(path, CPU);

        using (loaded) Assert.Null(info.ImportedFrom);
        Assert.Equal("small-cnn", info.Architecture);
    }
}
