using StreamPipeline.Data;

namespace StreamPipeline.Cli.Tests;

/// <summary>Every reader's bad input ends in one clear line naming the file, exit code 2, and no stack trace.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private CliProcess.Result Train(string dataRef) =>
        CliProcess.Run(_dir.Path, "train", "--data", dataRef, "--out", _dir.File("model.pt"), "--epochs", "1", "--device", "cpu");

    private static void AssertOneClearLine(CliProcess.Result result, string mustMention)
    {
        Assert.Equal(2, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var errors = lines.Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.Single(errors);
        Assert.Contains(mustMention, errors[0]);
        Assert.DoesNotContain(lines, l => l.StartsWith("at ", StringComparison.Ordinal));
        Assert.Equal("", result.Stdout.Trim());
    }

    [Fact]
    public void Idx_file_with_a_wrong_magic_number_is_one_line_and_exit_2()
    {
        var files = TinyData.WriteIdx(_dir.Path, "bad", 16, seed: 1);
        var bytes = File.ReadAllBytes(files.Images);
        bytes[3] = 0x99;
        File.WriteAllBytes(files.Images, bytes);
        AssertOneClearLine(Train(TinyData.Reference(files)), files.Images);
    }

    [Fact]
    public void Truncated_idx_file_is_one_line_and_exit_2()
    {
        var files = TinyData.WriteIdx(_dir.Path, "short", 16, seed: 2);
        var bytes = File.ReadAllBytes(files.Images);
        File.WriteAllBytes(files.Images, bytes[..(bytes.Length - 100)]);
        AssertOneClearLine(Train(TinyData.Reference(files)), files.Images);
    }

    [Fact]
    public void Missing_fashion_mnist_files_are_one_line_and_exit_2()
    {
        var result = CliProcess.Run(_dir.Path, "train", "--data", "fashion-mnist:train", "--data-root", _dir.Path,
            "--out", _dir.File("m.pt"), "--device", "cpu");
        AssertOneClearLine(result, _dir.Path);
    }

    [Fact]
    public void Cifar_file_of_a_wrong_length_is_one_line_and_exit_2()
    {
        var cifar = Directory.CreateDirectory(_dir.File("cifar")).FullName;
        File.WriteAllBytes(Path.Combine(cifar, "test_batch.bin"), new byte[3073 * 2 + 5]);
        AssertOneClearLine(Train($"cifar10:{cifar}:test"), "test_batch.bin");
    }

    [Fact]
    public void Unreadable_image_in_a_folder_is_one_line_and_exit_2()
    {
        var cls = Directory.CreateDirectory(_dir.File("folder/cat")).FullName;
        File.WriteAllBytes(Path.Combine(cls, "broken.png"), [0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
        AssertOneClearLine(Train($"folder:{_dir.File("folder")}"), "broken.png");
    }

    [Fact]
    public void Corrupt_parquet_shard_is_one_line_and_exit_2()
    {
        // A job whose manifest records the shard with the checksum of its (non-Parquet) bytes: it passes the checksum
        // and fails when read as Parquet.
        var data = Directory.CreateDirectory(_dir.File("job/data")).FullName;
        byte[] bytes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        File.WriteAllBytes(Path.Combine(data, "part-00000.parquet"), bytes);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        File.WriteAllText(_dir.File("job/manifest.json"), $$"""
            {"version": 1, "spec_hash": "{{new string('5', 64)}}", "model_sha256": "{{new string('a', 64)}}", "data_ref": "x",
             "total_examples": 10, "shard_size": 10, "spec": {},
             "shards": [{"id": 0, "start": 0, "count": 10, "status": "done", "rows": 10, "file": "part-00000.parquet", "sha256": "{{sha}}", "bytes": 10}]}
            """);
        AssertOneClearLine(Train($"parquet:{_dir.File("job")}"), "part-00000.parquet");
    }

    [Fact]
    public void Malformed_reference_and_unknown_options_are_exit_2()
    {
        AssertOneClearLine(Train("nonsense"), "nonsense");
        var unknown = CliProcess.Run(_dir.Path, "train", "--no-such-flag");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("error:", unknown.Stderr);
    }

    [Fact]
    public void Folder_with_an_empty_class_folder_is_refused_naming_it()
    {
        // Before: "zebra" silently became a third class that no example has, and the model got a third output.
        var png = PngCodec.Encode(new float[TinyData.Side * TinyData.Side], new ImageShape(1, TinyData.Side, TinyData.Side));
        foreach (var cls in new[] { "cat", "dog" })
            File.WriteAllBytes(_dir.NewFile($"folder/{cls}/1.png"), png);
        Directory.CreateDirectory(_dir.File("folder/zebra"));

        AssertOneClearLine(Train($"folder:{_dir.File("folder")}"), $"{_dir.File("folder/zebra")}: class folder holds no PNG or JPEG images");
        Assert.False(File.Exists(_dir.File("model.pt")));
    }

    [Fact]
    public void Png_whose_header_claims_100000x100000_pixels_is_refused_with_its_size_and_the_limit()
    {
        var shape = new ImageShape(1, TinyData.Side, TinyData.Side);
        var png = PngCodec.Encode(new float[shape.Size], shape);
        File.WriteAllBytes(_dir.NewFile("folder/cat/1.png"), png);
        File.WriteAllBytes(_dir.NewFile("folder/dog/1.png"), png);
        File.WriteAllBytes(_dir.NewFile("folder/dog/2.png"), HostilePng.WithSize(png, 100_000, 100_000));

        // Before: "unreadable image (not PNG or JPEG)", though it is a PNG.
        AssertOneClearLine(Train($"folder:{_dir.File("folder")}"),
            $"{_dir.File("folder/dog/2.png")}: PNG of 100000x100000 pixels; an image may have at most 67,108,864 pixels");
    }

    [Fact]
    public void Idx_reference_declaring_two_billion_classes_is_refused_before_anything_is_allocated()
    {
        var files = TinyData.WriteIdx(_dir.Path, "many", 16, seed: 4);
        // Before: accepted up to 1,000,000, and a 1,000,000-class model was built for 4 classes of images.
        AssertOneClearLine(Train(TinyData.Reference(files) + "?classes=2000000000"), "classes=2000000000 must be a whole number from 2 to 100000");
        AssertOneClearLine(Train(TinyData.Reference(files) + "?classes=1000000"), "classes=1000000 must be a whole number from 2 to 100000");
    }

    public static TheoryData<string, string[]> HugeCommandLineValues()
    {
        // 100,000 characters: a single argument may be at most 128 KiB on Linux.
        var huge = new string('x', 100_000);
        return new TheoryData<string, string[]>
        {
            { "data folder", ["train", "--data", "folder:/nonexistent/" + huge, "--out", "m.pt", "--device", "cpu"] },
            { "data reference", ["train", "--data", "nonsense" + huge, "--out", "m.pt", "--device", "cpu"] },
            { "data options", ["train", "--data", "idx:a,b?" + huge, "--out", "m.pt", "--device", "cpu"] },
            { "model path", ["evaluate", "--model", "/nonexistent/" + huge, "--data", "fashion-mnist:test", "--device", "cpu"] },
            { "architecture", ["train", "--model", huge, "--data", "fashion-mnist:test", "--out", "m.pt", "--device", "cpu"] },
            { "import source", ["import-model", "/nonexistent/" + huge, "--arch", "small-cnn", "--out", "m.ckpt"] },
            { "spec path", ["build", "job", "--spec", "/nonexistent/" + huge] },
            { "unknown option", ["train", "--" + huge] },
        };
    }

    [Theory]
    [MemberData(nameof(HugeCommandLineValues))]
    public void Error_line_that_echoes_a_huge_command_line_value_stays_short(string what, string[] args)
    {
        var result = CliProcess.Run(_dir.Path, args);

        Assert.True(result.ExitCode == 2, $"{what}: exit code {result.ExitCode}");
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            l => l.StartsWith("error:", StringComparison.Ordinal));
        // Before: the line repeated all 100,000 characters.
        Assert.True(line.Length < 400, $"{what}: an error line of {line.Length} characters: {line[..Math.Min(400, line.Length)]}");
        Assert.Contains("xxx...xxx", line);
    }

    [Fact]
    public void Missing_checkpoint_is_one_line_and_exit_2()
    {
        var files = TinyData.WriteIdx(_dir.Path, "ok", 16, seed: 3);
        var result = CliProcess.Run(_dir.Path, "evaluate", "--model", _dir.File("absent.pt"), "--data", TinyData.Reference(files), "--device", "cpu");
        AssertOneClearLine(result, "absent.pt");
    }
}
