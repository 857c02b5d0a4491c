using System.Text.Json;
using StreamPipeline.Tests.Shared;

namespace StreamPipeline.Cli.Tests.Interop;

/// <summary><c>import-model</c> and <c>export-model</c> as a user runs them, against files real PyTorch wrote and reads.</summary>
public sealed class ModelInteropCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Import_then_export_through_the_cli_gives_PyTorch_back_its_logits_exactly()
    {
        var weights = _dir.File("small.pt");
        TorchReference.Make("small-cnn", "plain", "1,28,28", weights, _dir.File("small.json"));
        var checkpoint = _dir.File("small.ckpt");

        var imported = CliProcess.Run(_dir.Path, "import-model", weights, "--arch", "small-cnn", "--out", checkpoint, "--json");
        Assert.True(imported.ExitCode == 0, imported.Stderr);
        using var summary = JsonDocument.Parse(imported.Stdout);
        Assert.Equal("small-cnn", summary.RootElement.GetProperty("architecture").GetString());
        Assert.Equal([1, 28, 28], summary.RootElement.GetProperty("input_shape").EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal(10, summary.RootElement.GetProperty("classes").GetInt32());
        Assert.Equal(JobManifestSha256(weights), summary.RootElement.GetProperty("source_sha256").GetString());
        Assert.Contains("no input normalisation", imported.Stderr);

        var exported = _dir.File("back.pt");
        var export = CliProcess.Run(_dir.Path, "export-model", checkpoint, "--out", exported);
        Assert.True(export.ExitCode == 0, export.Stderr);

        var check = TorchPython.Run("check", "--weights", exported, "--reference", _dir.File("small.json"));
        Assert.Equal(10, check.GetProperty("keys").GetInt32()); // 8 of the network + mean + std, loaded with strict=True
        Assert.Equal(0.0, check.GetProperty("max_abs_logits").GetDouble());
    }

    [Fact]
    public void Import_of_a_state_dict_missing_a_tensor_exits_2_with_one_line_naming_the_key()
    {
        var weights = _dir.File("incomplete.pt");
        TorchReference.Make("small-cnn", "plain", "1,28,28", weights, _dir.File("incomplete.json"), drop: "conv2.bias");
        var checkpoint = _dir.File("never.ckpt");

        var result = CliProcess.Run(_dir.Path, "import-model", weights, "--arch", "small-cnn", "--out", checkpoint);

        Assert.Equal(2, result.ExitCode);
        var errors = ErrorLines(result);
        Assert.Single(errors);
        Assert.Contains("missing key 'conv2.bias'", errors[0]);
        Assert.Contains("expects float32 [64]", errors[0]);
        Assert.False(File.Exists(checkpoint));
        Assert.False(File.Exists(checkpoint + ".json"));
    }

    [Fact]
    public void Import_with_an_input_shape_that_does_not_fit_exits_2_with_one_line_naming_the_key()
    {
        var weights = _dir.File("small.pt");
        TorchReference.Make("small-cnn", "plain", "1,28,28", weights, _dir.File("small.json"));

        var result = CliProcess.Run(_dir.Path, "import-model", weights, "--arch", "small-cnn", "--out", _dir.File("never.ckpt"), "--input-shape", "1,32,32");

        Assert.Equal(2, result.ExitCode);
        var errors = ErrorLines(result);
        Assert.Single(errors);
        Assert.Contains("key 'fc1.weight' has shape [128, 3136]", errors[0]);
        Assert.Contains("a small-cnn for 1x32x32 images and 10 classes expects float32 [128, 4096]", errors[0]);
    }

    [Fact]
    public void Import_of_a_file_that_is_not_a_checkpoint_exits_2_with_one_line()
    {
        var notWeights = _dir.File("notes.pt");
        File.WriteAllText(notWeights, "these are not weights\n");

        var result = CliProcess.Run(_dir.Path, "import-model", notWeights, "--arch", "resnet50", "--out", _dir.File("never.ckpt"));

        Assert.Equal(2, result.ExitCode);
        Assert.Equal([$"error: {notWeights}: not a PyTorch checkpoint (torch.save output) or a safetensors file"], ErrorLines(result));
    }

    /// <summary>The error lines on stderr (notes such as "import-model: …" may come before them).</summary>
    private static List<string> ErrorLines(CliProcess.Result result) =>
        result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !line.StartsWith("import-model:", StringComparison.Ordinal)).ToList();

    private static string JobManifestSha256(string path) => Build.JobManifest.Sha256Of(path);
}
