using System.Text.Json;
using StreamPipeline.Cli.Tests.Build;
using StreamPipeline.Tests.Shared;

namespace StreamPipeline.Cli.Tests.Interop;

/// <summary>
/// D_R from a model the user brings: a robustness-library ResNet-50 checkpoint (written by real PyTorch in that
/// library's layout) imported with <c>import-model</c> and used by <c>build --construction robust</c> on CIFAR-10 files.
/// In the build collection: a ResNet-50 build is the heaviest child process here, and the other build tests' promptness
/// checks should not share the two cores with it.
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed class RobustBuildFromImportedModelTests : IDisposable
{
    private const int RecordsPerFile = 4;
    private const int Limit = 8;
    private const int Steps = 3;
    private const double StepSize = 0.1;
    private const int ImageBytes = 3 * 32 * 32;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Robust_build_from_an_imported_robustness_resnet50_writes_a_row_per_example_moved_from_its_start_image()
    {
        var weights = _dir.File("robust-resnet50.pt");
        TorchReference.Make("resnet50", "robustness", "3,32,32", weights, _dir.File("robust-resnet50.json"), images: 1);
        var checkpoint = _dir.File("robust-resnet50.ckpt");
        var imported = CliProcess.Run(_dir.Path, "import-model", weights, "--arch", "resnet50", "--out", checkpoint);
        Assert.True(imported.ExitCode == 0, imported.Stderr);
        var (cifar, labels, pixels) = WriteCifar10(_dir.File("cifar"));
        var jobDir = _dir.File("job");

        var build = CliProcess.Run(_dir.Path, "build", jobDir, "--construction", "robust", "--model", checkpoint,
            "--data", $"cifar10:{cifar}:train", "--limit", $"{Limit}", "--steps", $"{Steps}", "--step-size", $"{StepSize}",
            "--batch-size", "4", "--shard-size", "8", "--devices", "cpu", "--threads", "1", "--metrics", "none");

        Assert.True(build.ExitCode == 0, build.Stderr);
        using var data = new BuiltDataset(jobDir);
        var rows = data.Rows();
        Assert.Equal(Enumerable.Range(0, Limit).Select(i => (long)i), rows.Select(r => r.Index));
        foreach (var row in rows)
        {
            Assert.Equal(labels[row.Index], row.SourceLabel);
            Assert.Equal(row.SourceLabel, row.Label); // D_R keeps the source label
            var start = Assert.NotNull(row.StartIndex);
            Assert.NotEqual(row.Index, start);
            var x = row.PixelValues();
            Assert.Equal(ImageBytes, x.Length);
            Assert.All(x, v => Assert.InRange(v, 0f, 1f));
            // Unbounded normalized L2 steps from x0: moved, and by no more than steps × step size.
            var x0 = pixels.AsSpan(checked((int)start) * ImageBytes, ImageBytes).ToArray().Select(b => b / 255f).ToArray();
            var moved = Math.Sqrt(x.Zip(x0, (a, b) => (double)(a - b) * (a - b)).Sum());
            Assert.InRange(moved, 1e-3, Steps * StepSize + 1e-4);
            Assert.True(float.IsFinite(row.Distance) && row.Distance >= 0, $"row {row.Index}: distance {row.Distance}");
        }
        using var sidecar = JsonDocument.Parse(File.ReadAllText(checkpoint + ".json"));
        var manifest = JobManifest.Read(jobDir);
        Assert.Equal(sidecar.RootElement.GetProperty("weights_sha256").GetString(), manifest.ModelSha256);
    }

    /// <summary>data_batch_1..5.bin and test_batch.bin of <see cref="RecordsPerFile"/> records each: label byte, 3072 pixel bytes (CHW).</summary>
    private static (string Dir, byte[] Labels, byte[] Pixels) WriteCifar10(string dir)
    {
        Directory.CreateDirectory(dir);
        var random = new Random(5);
        var count = 5 * RecordsPerFile;
        var labels = new byte[count];
        var pixels = new byte[count * ImageBytes];
        for (var i = 0; i < count; i++) labels[i] = (byte)random.Next(10);
        random.NextBytes(pixels);
        for (var f = 0; f < 5; f++)
            WriteRecords(Path.Combine(dir, $"data_batch_{f + 1}.bin"), labels, pixels, f * RecordsPerFile);
        WriteRecords(Path.Combine(dir, "test_batch.bin"), labels, pixels, 0);
        return (dir, labels, pixels);
    }

    private static void WriteRecords(string path, byte[] labels, byte[] pixels, int first)
    {
        using var file = File.Create(path);
        for (var r = first; r < first + RecordsPerFile; r++)
        {
            file.WriteByte(labels[r]);
            file.Write(pixels, r * ImageBytes, ImageBytes);
        }
    }
}
