namespace StreamPipeline.Cli.Tests.Build;

/// <summary>
/// Tiny 8×8 IDX data (train, source, test) and a small-cnn checkpoint trained on it once with the real <c>train</c>
/// command, shared by the build test collection; also caches the uninterrupted reference builds that tests compare against.
/// </summary>
public sealed class TinyModelFixture : IDisposable
{
    public const int Classes = 4;
    public const int SourceCount = 640;
    public const int TestCount = 256;
    private const int ImagesHeaderBytes = 16; // magic, count, rows, columns
    private const int LabelsHeaderBytes = 8; // magic, count

    private readonly TempDirectory _dir = new();
    private readonly Dictionary<string, string> _referenceBuilds = new(StringComparer.Ordinal);
    private readonly byte[] _sourceImages;
    private readonly byte[] _sourceLabels;

    public TinyModelFixture()
    {
        Source = TinyData.WriteIdx(_dir.Path, "source", SourceCount, seed: 20);
        Test = TinyData.WriteIdx(_dir.Path, "test", TestCount, seed: 11);
        var train = TinyData.WriteIdx(_dir.Path, "train", 512, seed: 10);
        _sourceImages = File.ReadAllBytes(Source.Images);
        _sourceLabels = File.ReadAllBytes(Source.Labels);
        Model = _dir.File("tiny.pt");
        var trained = CliProcess.Run(_dir.Path, "train", "--data", TinyData.Reference(train), "--out", Model,
            "--epochs", "2", "--batch-size", "32", "--lr", "0.01", "--device", "cpu", "--threads", "1");
        if (trained.ExitCode != 0 || !File.Exists(Model))
            throw new InvalidOperationException($"training the fixture's checkpoint failed ({trained.ExitCode}): {trained.Stderr}");
    }

    /// <summary>Where the data, the checkpoint and the reference builds live; tests may use it as working directory.</summary>
    public string Root => _dir.Path;

    public string Model { get; }

    public (string Images, string Labels) Source { get; }

    public (string Images, string Labels) Test { get; }

    public string SourceReference => TinyData.Reference(Source);

    public string TestReference => TinyData.Reference(Test);

    /// <summary>Source image <paramref name="index"/> as the pipeline sees it: bytes / 255 (read straight from the IDX file).</summary>
    public float[] SourcePixels(long index)
    {
        const int size = TinyData.Side * TinyData.Side;
        var offset = ImagesHeaderBytes + checked((int)index) * size;
        return _sourceImages.AsSpan(offset, size).ToArray().Select(b => b / 255f).ToArray();
    }

    public int SourceLabel(long index) => _sourceLabels[LabelsHeaderBytes + checked((int)index)];

    /// <summary>A fresh, not yet existing job directory path.</summary>
    public string NewJobDirectory(string name) => _dir.File($"{name}-{Guid.NewGuid().ToString("N")[..8]}");

    /// <summary>A fresh copy of job directory <paramref name="jobDir"/> (e.g. a reference build), safe to damage.</summary>
    public string CopyOf(string jobDir, string name) => Copy(jobDir, NewJobDirectory(name));

    /// <summary>Copies every file under <paramref name="source"/> to the same place under <paramref name="target"/> (as <c>cp -r</c>); returns <paramref name="target"/>.</summary>
    public static string Copy(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
        return target;
    }

    /// <summary>
    /// The job directory of an uninterrupted build run with <paramref name="flags"/> (the arguments after
    /// <c>build JOBDIR</c>), built on first use and shared by every test that asks for the same flags.
    /// </summary>
    public string ReferenceBuild(string[] flags)
    {
        var key = string.Join('\n', flags);
        lock (_referenceBuilds)
        {
            if (_referenceBuilds.TryGetValue(key, out var existing))
                return existing;
            var jobDir = _dir.File($"reference-{_referenceBuilds.Count}");
            var result = CliProcess.Run(Root, ["build", jobDir, .. flags]);
            if (result.ExitCode != 0)
                throw new InvalidOperationException($"reference build {string.Join(' ', flags)} failed ({result.ExitCode}): {result.Stderr}");
            _referenceBuilds[key] = jobDir;
            return jobDir;
        }
    }

    public void Dispose() => _dir.Dispose();
}
