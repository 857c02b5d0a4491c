using System.Text.Json;
using StreamPipeline.Data;
using StreamPipeline.Models.Interop;
using StreamPipeline.Tests.Shared;
using static TorchSharp.torch;

namespace StreamPipeline.Models.Tests.Interop;

/// <summary>Exported checkpoints load in real PyTorch with <c>load_state_dict(strict=True)</c> and give the same logits.</summary>
[Collection(PyTorchInteropCollection.Name)]
public sealed class PyTorchExportTests(PyTorchFiles files)
{
    static PyTorchExportTests() => TorchTestEnvironment.Ensure();

    [Theory]
    [InlineData("small-cnn", 1, 28, 28, ".pt")]
    [InlineData("resnet50", 3, 32, 32, ".safetensors")]
    public void A_model_made_here_exports_to_a_state_dict_PyTorch_loads_strictly_with_TorchSharps_logits(string arch, int c, int h, int w, string extension)
    {
        var checkpoint = files.File($"here-{arch}.ckpt");
        var reference = files.File($"here-{arch}.json");
        manual_seed(7);
        using (var model = ModelFactory.Create(arch, new ImageShape(c, h, w), 10, Enumerable.Repeat(0.4f, c).ToArray(), Enumerable.Repeat(0.25f, c).ToArray()))
        {
            using var scope = NewDisposeScope();
            using var inputs = rand(3, c, h, w);
            // Training-mode passes move BatchNorm statistics away from 0/1, so an export that drops buffers shows.
            model.train();
            using (no_grad()) model.forward(rand(8, c, h, w));
            model.eval();
            Checkpoint.Save(model, checkpoint, CheckpointInfo.Describe(model, "test"));
            using var grad = no_grad();
            var (logits, representation) = model.ForwardWithRepresentation(inputs);
            WriteReference(reference, arch, [c, h, w], model, inputs, logits, representation);
        }
        var exported = files.File($"here-{arch}{extension}");

        var result = PyTorchCheckpoint.Export(checkpoint, exported);

        Assert.Equal(extension == ".pt" ? StateDictFormat.PyTorch : StateDictFormat.Safetensors, result.Format);
        Assert.Equal(StreamPipeline.Data.Files.FileChecksum.Sha256Of(exported), result.Sha256);
        var check = TorchPython.Run("check", "--weights", exported, "--reference", reference);
        Assert.Equal(result.Tensors, check.GetProperty("keys").GetInt32());
        Assert.Equal(Enumerable.Repeat(0.4, c), check.GetProperty("mean").EnumerateArray().Select(v => Math.Round(v.GetDouble(), 6)));
        Assert.True(check.GetProperty("max_abs_logits").GetDouble() <= ImportedModel.Tolerance, $"PyTorch logits differ by {check.GetProperty("max_abs_logits")}");
        Assert.True(check.GetProperty("max_abs_representation").GetDouble() <= ImportedModel.Tolerance, $"PyTorch representation differs by {check.GetProperty("max_abs_representation")}");
    }

    [Fact]
    public void An_imported_robustness_resnet50_exported_back_gives_PyTorch_its_original_logits_exactly()
    {
        var (weights, reference) = files.RobustnessResNet50;
        var checkpoint = files.File("round-trip-resnet50.ckpt");
        PyTorchCheckpoint.Import(new ImportRequest(weights, "resnet50", checkpoint));
        var exported = files.File("round-trip-resnet50.pt");

        PyTorchCheckpoint.Export(checkpoint, exported);

        // The same weights in the same PyTorch on the same inputs: bit-identical, not merely close.
        var check = TorchPython.Run("check", "--weights", exported, "--reference", Path.ChangeExtension(weights, ".json"));
        Assert.Equal(322, check.GetProperty("keys").GetInt32()); // 320 of the network + mean + std
        Assert.Equal(0.0, check.GetProperty("max_abs_logits").GetDouble());
        Assert.Equal(0.0, check.GetProperty("max_abs_representation").GetDouble());
        Assert.Equal(reference.Mean.Select(v => (double)v), check.GetProperty("mean").EnumerateArray().Select(v => v.GetDouble()));
    }

    private static void WriteReference(string path, string arch, int[] shape, ClassifierModel model, Tensor inputs, Tensor logits, Tensor representation)
    {
        var n = (INormalizedClassifier)model;
        File.WriteAllText(path, JsonSerializer.Serialize(new
        {
            arch,
            shape,
            classes = model.Classes,
            mean = n.Mean,
            std = n.Std,
            images = (int)inputs.shape[0],
            inputs = inputs.data<float>().ToArray(),
            logits = logits.data<float>().ToArray(),
            representation = representation.data<float>().ToArray(),
        }));
    }
}
