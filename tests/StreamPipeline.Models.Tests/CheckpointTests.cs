using System.Text.Json;
using StreamPipeline.Data;
using StreamPipeline.Data.Constructions;
using StreamPipeline.Data.Files;
using TorchSharp;
using static TorchSharp.torch;

namespace StreamPipeline.Models.Tests;

public sealed class CheckpointTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("sp-models-ckpt-").FullName;

    public CheckpointTests() => TorchTestEnvironment.Ensure();

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static readonly TrainingInfo Training = new(Epochs: 3, BatchSize: 128, LearningRate: 1e-3, Seed: 1,
        Adversarial: new AttackSettings(ThreatModel.L2, 0.5, 0.1, 7, RandomStart: true, KeepBest: false, Targeted: false));

    [Theory]
    [InlineData("small-cnn", 1, 8, 8)]
    [InlineData("resnet18", 3, 32, 32)]
    [InlineData("small-cnn-wide", 1, 8, 8)]
    [InlineData("mlp", 3, 8, 8)]
    public void Checkpoint_round_trip_gives_identical_logits_and_the_same_sidecar(string architecture, int c, int h, int w)
    {
        using var scope = NewDisposeScope();
        var shape = new ImageShape(c, h, w);
        var mean = Enumerable.Repeat(0.3f, c).ToArray();
        var std = Enumerable.Repeat(0.2f, c).ToArray();
        using var model = ModelFactory.Create(architecture, shape, 5, mean, std);
        var x = rand(2, c, h, w);
        // One training-mode pass moves the BatchNorm running statistics away from their initial values, so the
        // round trip must carry buffers as well as parameters.
        model.train();
        using (no_grad()) model.forward(x);
        model.eval();
        Tensor expected;
        using (no_grad()) expected = model.forward(x);

        var path = Path.Combine(directory, "sub", "model.ckpt");
        var metrics = new Dictionary<string, double> { ["accuracy"] = 0.91, ["robust_accuracy"] = double.NaN };
        var written = Checkpoint.Save(model, path, CheckpointInfo.Describe(model, "test:train", Training, metrics));
        var (loaded, info) = Checkpoint.Load(path, CPU);

        using (loaded)
        {
            Assert.False(loaded.training);
            using (no_grad()) Assert.True(loaded.forward(x).Equals(expected), "loaded model gives different logits");
            Assert.Equal(FileChecksum.Sha256Of(path), info.WeightsSha256);
            Assert.Equal(written.WeightsSha256, info.WeightsSha256);
            Assert.Equal(architecture, info.Architecture);
            Assert.Equal(shape, info.InputShape);
            Assert.Equal(5, info.Classes);
            Assert.Equal(mean, info.Mean);
            Assert.Equal(std, info.Std);
            Assert.Equal(mean, ((INormalizedClassifier)loaded).Mean);
            Assert.Equal(std, ((INormalizedClassifier)loaded).Std);
            Assert.Equal("test:train", info.DatasetRef);
            Assert.Equal(Training, info.Training);
            Assert.Equal(0.91, info.Metrics["accuracy"]);
            Assert.True(double.IsNaN(info.Metrics["robust_accuracy"]));
            Assert.Equal(written.CreatedUtc, info.CreatedUtc);
            Assert.Equal(DateTimeKind.Utc, info.CreatedUtc.Kind);
        }
    }

    [Fact]
    public void Sidecar_is_snake_case_json_with_the_input_shape_as_CHW()
    {
        using var model = ModelFactory.Create("small-cnn", new ImageShape(1, 28, 28), 10);
        var path = Path.Combine(directory, "m.ckpt");
        Checkpoint.Save(model, path, CheckpointInfo.Describe(model, "fashion-mnist:train"));

        using var json = JsonDocument.Parse(File.ReadAllText(path + ".json"));
        var root = json.RootElement;
        Assert.Equal(Checkpoint.Format, root.GetProperty("format").GetString());
        Assert.Equal("small-cnn", root.GetProperty("architecture").GetString());
        Assert.Equal([1, 28, 28], root.GetProperty("input_shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(10, root.GetProperty("classes").GetInt32());
        Assert.Equal("fashion-mnist:train", root.GetProperty("dataset_ref").GetString());
        Assert.Equal(FileChecksum.Sha256Of(path), root.GetProperty("weights_sha256").GetString());
        Assert.Equal(64, root.GetProperty("weights_sha256").GetString()!.Length);
        Assert.False(File.Exists(path + ".tmp"));
        Assert.False(File.Exists(path + ".json.tmp"));
    }

    [Fact]
    public void Load_refuses_tampered_weights_with_a_sha256_error_naming_the_file()
    {
        using var model = ModelFactory.Create("small-cnn", new ImageShape(1, 8, 8), 4);
        var path = Path.Combine(directory, "tampered.ckpt");
        Checkpoint.Save(model, path, CheckpointInfo.Describe(model, "quadrants"));
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, CPU));
        Assert.Contains(path, e.Message);
        Assert.Contains("weights do not match their sidecar (sha256", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Load_without_a_sidecar_or_weights_is_a_file_not_found_error_naming_the_missing_file()
    {
        using var model = ModelFactory.Create("small-cnn", new ImageShape(1, 8, 8), 4);
        var path = Path.Combine(directory, "lonely.ckpt");
        Checkpoint.Save(model, path, CheckpointInfo.Describe(model, "quadrants"));
        File.Delete(path + ".json");

        var noSidecar = Assert.Throws<FileNotFoundException>(() => Checkpoint.Load(path, CPU));
        Assert.Contains(path + ".json", noSidecar.Message);

        var missing = Path.Combine(directory, "nothing.ckpt");
        var noWeights = Assert.Throws<FileNotFoundException>(() => Checkpoint.Load(missing, CPU));
        Assert.Contains(missing, noWeights.Message);
    }

    [Fact]
    public void Load_refuses_a_corrupt_sidecar_naming_it()
    {
        using var model = ModelFactory.Create("small-cnn", new ImageShape(1, 8, 8), 4);
        var path = Path.Combine(directory, "corrupt.ckpt");
        Checkpoint.Save(model, path, CheckpointInfo.Describe(model, "quadrants"));
        File.WriteAllText(path + ".json", "{ \"architecture\": ");

        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, CPU));
        Assert.Contains(path + ".json", e.Message);
    }

    [Fact]
    public void Save_refuses_info_that_does_not_describe_the_model()
    {
        using var model = ModelFactory.Create("small-cnn", new ImageShape(1, 8, 8), 4, [0.5f], [0.5f]);
        var info = CheckpointInfo.Describe(model, "quadrants");
        var path = Path.Combine(directory, "wrong.ckpt");

        Assert.Throws<ArgumentException>(() => Checkpoint.Save(model, path, info with { Classes = 10 }));
        Assert.Throws<ArgumentException>(() => Checkpoint.Save(model, path, info with { Mean = [0.1f] }));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void CheckCompatible_says_which_shape_and_class_count_do_not_match()
    {
        using var model = ModelFactory.Create("small-cnn", new ImageShape(1, 28, 28), 10);
        var info = CheckpointInfo.Describe(model, "fashion-mnist:train");

        Checkpoint.CheckCompatible(info, new ImageShape(1, 28, 28), 10);
        var shape = Assert.Throws<ArgumentException>(() => Checkpoint.CheckCompatible(info, new ImageShape(3, 32, 32), 10));
        Assert.Contains("model expects 1x28x28 images, dataset has 3x32x32", shape.Message);
        var classes = Assert.Throws<ArgumentException>(() => Checkpoint.CheckCompatible(info, new ImageShape(1, 28, 28), 100));
        Assert.Contains("model has 10 classes, dataset has 100", classes.Message);
    }
}
