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

    [Theory]
    // Before: all three were imported (exit 0), and the checkpoints evaluated, built and trained to garbage.
    [InlineData("nan.pt", "pt", "conv1.weight[17]=nan", "tensor 'conv1.weight' holds NaN at element 17")]
    [InlineData("inf.safetensors", "safetensors", "fc2.bias[3]=-inf", "tensor 'fc2.bias' holds -Infinity at element 3")]
    // Finite, but the first convolution overflows float32 on any image: refused by what it does, not by its values.
    [InlineData("huge.pt", "pt", "fill:conv1.weight=1e38", "its logits on a mid-grey image are not finite (NaN at class 0)")]
    public void Import_of_weights_that_are_not_finite_exits_2_naming_the_file_and_the_first_tensor(string file, string format, string change, string mustMention)
    {
        var weights = _dir.File(file);
        string[] option = change.StartsWith("fill:", StringComparison.Ordinal) ? ["--fill", change["fill:".Length..]] : ["--set", change];
        TorchReference.Make("small-cnn", "plain", "1,28,28", weights, _dir.File(file + ".json"), format: format, extra: option);
        var checkpoint = _dir.File("never.ckpt");

        var result = CliProcess.Run(_dir.Path, "import-model", weights, "--arch", "small-cnn", "--out", checkpoint);

        Assert.Equal(2, result.ExitCode);
        var error = Assert.Single(ErrorLines(result));
        Assert.StartsWith($"error: {weights}: ", error);
        Assert.Contains(mustMention, error);
        Assert.False(File.Exists(checkpoint));
    }

    [Theory]
    // Before (legacy): libtorch was asked for 2^40 floats or -5, and exit code 1 came with 2.7 KB of its stack text.
    [InlineData("storage-huge", "pt-legacy", "storage '0' claims 1,099,511,627,776 elements (4,398,046,511,104 bytes), more than the file's")]
    [InlineData("storage-negative", "pt-legacy", "storage '0' claims -5 elements")]
    [InlineData("offset-negative", "pt-legacy", "negative offset, size or stride (offset -3,")]
    [InlineData("view-out-of-range", "pt-legacy", "reaches element 574, past the storage's 288 elements")]
    // Before (zip): the storage's claim was never read, and a bad view was libtorch's stack text with exit code 1.
    [InlineData("storage-huge", "pt", "storage '0' claims 1,099,511,627,776 elements (4,398,046,511,104 bytes); its entry holds 1,152 bytes")]
    [InlineData("storage-negative", "pt", "storage '0' claims -5 elements")]
    [InlineData("offset-negative", "pt", "negative offset, size or stride (offset -3,")]
    [InlineData("view-out-of-range", "pt", "reaches element 574, past the storage's 288 elements")]
    public void Import_of_a_pickle_with_a_hostile_storage_claim_or_view_exits_2_in_one_line(string kind, string format, string mustMention)
    {
        var weights = _dir.File($"{kind}.{format}");
        TorchPython.Run("hostile", "--kind", kind, "--format", format, "--key", "conv1.weight", "--out", weights);

        AssertRefusedImport(weights, mustMention);
    }

    public static TheoryData<string, string, string> HostileSafetensorsHeaders() => new()
    {
        // Before: libtorch's stack text (exit 1) for a shape of 2^62 elements.
        { "shape-2^62", """{"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,16]}}""", "shape [4611686018427387904] has more elements than any file holds" },
        // Before: the next three were imported silently.
        { "negative-offsets", """{"w":{"dtype":"F32","shape":[4],"data_offsets":[-16,0]},"v":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", "tensor 'w': data_offsets [-16,0] are not 0 ≤ begin ≤ end ≤ 16" },
        { "overlapping", """{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"v":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""", "tensors 'w' and 'v' overlap" },
        { "past-the-data", """{"w":{"dtype":"F32","shape":[8],"data_offsets":[0,32]}}""", "tensor 'w': data_offsets [0,32] are not 0 ≤ begin ≤ end ≤ 16" },
    };

    [Theory]
    [MemberData(nameof(HostileSafetensorsHeaders))]
    public void Import_of_a_safetensors_file_with_a_hostile_header_exits_2_in_one_line(string name, string header, string mustMention)
    {
        var weights = _dir.File(name + ".safetensors");
        var json = System.Text.Encoding.UTF8.GetBytes(header);
        var length = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)json.Length);
        File.WriteAllBytes(weights, [.. length, .. json, .. new byte[16]]);

        AssertRefusedImport(weights, mustMention);
    }

    [Fact]
    public void Checkpoint_with_a_NaN_weight_is_refused_by_every_command_that_loads_it()
    {
        // A checkpoint whose weights file was changed after it was written, sha256 in the sidecar updated to match: all
        // of what the sidecar can check passes; only the values are wrong.
        var weights = _dir.File("sentinel.pt");
        TorchReference.Make("small-cnn", "plain", "1,8,8", weights, _dir.File("sentinel.json"), classes: 4, extra: ["--set", "fc2.bias[3]=12345.678"]);
        var checkpoint = _dir.File("poisoned.ckpt");
        var imported = CliProcess.Run(_dir.Path, "import-model", weights, "--arch", "small-cnn", "--out", checkpoint);
        Assert.True(imported.ExitCode == 0, imported.Stderr);
        PoisonFloat(checkpoint, 12345.678f, float.NaN);
        var data = TinyData.Reference(TinyData.WriteIdx(_dir.Path, "data", 32, seed: 5));

        var results = new Dictionary<string, CliProcess.Result>
        {
            ["evaluate"] = CliProcess.Run(_dir.Path, "evaluate", "--model", checkpoint, "--data", data, "--device", "cpu"),
            ["build"] = CliProcess.Run(_dir.Path, "build", _dir.File("job"), "--construction", "det", "--model", checkpoint, "--data", data,
                "--limit", "16", "--steps", "2", "--eps", "0.5", "--step-size", "0.1", "--devices", "cpu", "--metrics", "none"),
            ["export-model"] = CliProcess.Run(_dir.Path, "export-model", checkpoint, "--out", _dir.File("back.pt")),
        };

        // Before: evaluate and export exited 0, and build wrote rows of unperturbed source pixels.
        foreach (var (command, result) in results)
        {
            Assert.True(result.ExitCode == 2, $"{command}: exit code {result.ExitCode}: {result.Stderr}");
            Assert.Equal([$"error: {checkpoint}: tensor 'fc2.bias' holds NaN at element 3; a model with non-finite weights gives no usable output"],
                result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith("error:", StringComparison.Ordinal)));
        }
        Assert.False(File.Exists(_dir.File("back.pt")));
    }

    /// <summary>Exit 2, one error line naming <paramref name="weights"/> and <paramref name="mustMention"/>, no stack trace, nothing written.</summary>
    private void AssertRefusedImport(string weights, string mustMention)
    {
        var checkpoint = _dir.File("never.ckpt");
        var result = CliProcess.Run(_dir.Path, "import-model", weights, "--arch", "small-cnn", "--out", checkpoint);

        Assert.True(result.ExitCode == 2, $"exit code {result.ExitCode}: {result.Stderr}");
        var error = Assert.Single(ErrorLines(result));
        Assert.StartsWith($"error: {weights}: ", error);
        Assert.Contains(mustMention, error);
        Assert.True(error.Length < 400, error);
        Assert.False(File.Exists(checkpoint));
    }

    /// <summary>Replaces the one float32 <paramref name="sentinel"/> in the checkpoint's weights and re-pins their sha256 in the sidecar.</summary>
    private static void PoisonFloat(string checkpoint, float sentinel, float value)
    {
        var bytes = File.ReadAllBytes(checkpoint);
        var pattern = BitConverter.GetBytes(sentinel);
        var at = bytes.AsSpan().IndexOf(pattern);
        Assert.True(at >= 0 && bytes.AsSpan(at + 1).IndexOf(pattern) < 0, "the sentinel must occur exactly once");
        BitConverter.GetBytes(value).CopyTo(bytes, at);
        File.WriteAllBytes(checkpoint, bytes);
        var sidecar = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(checkpoint + ".json"))!;
        sidecar["weights_sha256"] = JobManifestSha256(checkpoint);
        File.WriteAllText(checkpoint + ".json", sidecar.ToJsonString());
    }

    /// <summary>The error lines on stderr (notes such as "import-model: …" may come before them).</summary>
    private static List<string> ErrorLines(CliProcess.Result result) =>
        result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !line.StartsWith("import-model:", StringComparison.Ordinal)).ToList();

    private static string JobManifestSha256(string path) => Build.JobManifest.Sha256Of(path);
}
