using Xunit.Abstractions;
using StreamPipeline.Data;
using StreamPipeline.Models.Interop;
using StreamPipeline.Tests.Shared;

namespace StreamPipeline.Models.Tests.Interop;

/// <summary>Weights written by real PyTorch, imported, give PyTorch's logits and representation.</summary>
[Collection(PyTorchInteropCollection.Name)]
public sealed class PyTorchImportTests(PyTorchFiles files, ITestOutputHelper output)
{
    static PyTorchImportTests() => TorchTestEnvironment.Ensure();

    [Fact]
    public void Robustness_resnet50_checkpoint_saved_with_dill_imports_with_PyTorchs_logits_and_representation()
    {
        var (weights, reference) = files.RobustnessResNet50;
        var notes = new List<string>();
        var checkpoint = files.File("imported-robustness-resnet50.ckpt");

        var result = PyTorchCheckpoint.Import(new ImportRequest(weights, "resnet50", checkpoint), notes.Add);

        Assert.Equal(320, result.Tensors); // model.* only: 161 parameters, 159 BatchNorm buffers
        Report(ImportedModel.AssertMatches(checkpoint, reference));
        var info = Checkpoint.ReadInfo(checkpoint);
        Assert.Equal("resnet50", info.Architecture);
        Assert.Equal(new ImageShape(3, 32, 32), info.InputShape);
        Assert.Equal(10, info.Classes);
        Assert.Equal(reference.Mean, info.Mean); // normalizer.new_mean/new_std became our input normalisation
        Assert.Equal(reference.Std, info.Std);
        Assert.Equal(StreamPipeline.Data.Files.FileChecksum.Sha256Of(weights), info.ImportedFrom!.Sha256);
        Assert.Equal("model", info.ImportedFrom.Entry);
        Assert.Contains("robustness AttackerModel", info.ImportedFrom.Layout);
        // Optimizer state, schedule, epoch and the dill-pickled lambda are skipped with a note, not a crash.
        Assert.Contains(notes, n => n.Contains("dill._dill._create_function", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.Contains("epoch, lr_fn, optimizer, schedule", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.Contains("dropped 322 attacker.* tensors", StringComparison.Ordinal));
    }

    [Fact]
    public void Plain_small_cnn_state_dict_imports_with_PyTorchs_logits_and_no_normalisation()
    {
        var (weights, reference) = files.PlainSmallCnn;
        var notes = new List<string>();
        var checkpoint = files.File("imported-plain-small-cnn.ckpt");

        PyTorchCheckpoint.Import(new ImportRequest(weights, "small-cnn", checkpoint), notes.Add);

        Report(ImportedModel.AssertMatches(checkpoint, reference));
        var info = Checkpoint.ReadInfo(checkpoint);
        Assert.Equal(new ImageShape(1, 28, 28), info.InputShape); // side read off fc1's width
        Assert.Equal([0f], info.Mean);
        Assert.Equal([1f], info.Std);
        Assert.Contains(notes, n => n.Contains("no input normalisation", StringComparison.Ordinal));
    }

    [Fact]
    public void ResNet18_state_dict_with_mean_and_std_buffers_imports_with_PyTorchs_logits_and_representation()
    {
        var (weights, reference) = files.ResNet18WithNormalisation;
        var checkpoint = files.File("imported-resnet18.ckpt");

        PyTorchCheckpoint.Import(new ImportRequest(weights, "resnet18", checkpoint));

        Report(ImportedModel.AssertMatches(checkpoint, reference));
        var info = Checkpoint.ReadInfo(checkpoint);
        Assert.Equal(reference.Mean, info.Mean);
        Assert.Equal(reference.Std, info.Std);
    }

    [Fact]
    public void ImageNet_layout_resnet50_with_downsample_and_fc_imports_with_PyTorchs_logits()
    {
        var (weights, reference) = files.PlainImageNetResNet50;
        var checkpoint = files.File("imported-resnet50-imagenet.ckpt");

        PyTorchCheckpoint.Import(new ImportRequest(weights, "resnet50-imagenet", checkpoint, InputShape: new ImageShape(3, 64, 64)));

        Report(ImportedModel.AssertMatches(checkpoint, reference));
    }

    [Fact]
    public void Safetensors_from_an_independent_writer_imports_with_PyTorchs_logits()
    {
        var (weights, reference) = files.SafetensorsSmallCnn;
        var checkpoint = files.File("imported-safetensors.ckpt");

        PyTorchCheckpoint.Import(new ImportRequest(weights, "small-cnn", checkpoint));

        Report(ImportedModel.AssertMatches(checkpoint, reference));
        Assert.StartsWith("safetensors:", Checkpoint.ReadInfo(checkpoint).ImportedFrom!.Layout);
    }

    [Fact]
    public void Legacy_format_robustness_checkpoint_imports_with_PyTorchs_logits()
    {
        var (weights, reference) = files.LegacyRobustnessSmallCnn;
        var notes = new List<string>();
        var checkpoint = files.File("imported-legacy.ckpt");

        PyTorchCheckpoint.Import(new ImportRequest(weights, "small-cnn", checkpoint), notes.Add);

        Report(ImportedModel.AssertMatches(checkpoint, reference));
        var info = Checkpoint.ReadInfo(checkpoint);
        Assert.StartsWith("torch.save legacy:", info.ImportedFrom!.Layout);
        Assert.Equal(reference.Mean, info.Mean);
        Assert.Contains(notes, n => n.Contains("dill._dill._create_function", StringComparison.Ordinal));
    }

    [Fact]
    public void A_tensor_of_the_wrong_shape_is_refused_naming_the_key_and_the_expected_shape()
    {
        var (weights, _) = files.ResNet18WithNormalisation;
        var checkpoint = files.File("never-written.ckpt");

        // ResNet-18 weights read as a ResNet-50: the first block's first conv is 3×3 there, 1×1 here.
        var e = Assert.Throws<InvalidDataException>(() => PyTorchCheckpoint.Import(new ImportRequest(weights, "resnet50", checkpoint)));

        Assert.Contains("key 'layer1.0.conv1.weight' has shape [64, 64, 3, 3]", e.Message);
        Assert.Contains("expects float32 [64, 64, 1, 1]", e.Message);
        Assert.False(File.Exists(checkpoint));
    }

    [Fact]
    public void A_class_count_that_does_not_fit_the_classifier_is_refused_naming_the_key()
    {
        var (weights, _) = files.PlainSmallCnn;

        var e = Assert.Throws<InvalidDataException>(() => PyTorchCheckpoint.Import(
            new ImportRequest(weights, "small-cnn", files.File("never-written-2.ckpt"), Classes: 7)));

        Assert.Contains("key 'fc2.weight' has shape [10, 128]", e.Message);
        Assert.Contains("7 classes expects float32 [7, 128]", e.Message);
    }

    private void Report((double Logits, double Representation) difference) =>
        output.WriteLine($"max |TorchSharp - PyTorch|: logits {difference.Logits:E2}, representation {difference.Representation:E2}");
}
