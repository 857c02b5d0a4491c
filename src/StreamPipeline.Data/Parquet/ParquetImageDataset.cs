using StreamPipeline.Data.Jobs;

namespace StreamPipeline.Data.Parquet;

/// <summary>
/// A job's constructed dataset read as a source dataset (<c>parquet:JOBDIR</c>), so jobs chain: exactly the shards the
/// manifest records done, in shard order, each verified against its SHA-256 when the dataset is opened and again when
/// its bytes are read. Files in <c>data/</c> that the manifest does not list are never read. An incomplete job is
/// refused unless the reader asks for the committed part explicitly (<c>parquet:JOBDIR?partial</c>).
/// </summary>
public sealed class ParquetImageDataset : IImageDataset
{
    /// <summary>The dataset-reference scheme: <c>parquet:JOBDIR</c>.</summary>
    public const string Scheme = "parquet";

    /// <summary>The reference option that accepts an incomplete job's committed shards.</summary>
    public const string PartialOption = "partial";

    private readonly string _jobDir;
    private readonly ShardEntry[] _shards;
    private readonly long[] _starts; // _starts[f] = first row of shard f; _starts[^1] = rows in all shards
    private readonly object _gate = new();
    private int _cachedFile = -1;
    private ShardFile.Columns? _cached;
    private bool _disposed;

    private ParquetImageDataset(string reference, string jobDir, ShardEntry[] shards, long[] starts, ConstructedDatasetMetadata metadata, long count, bool complete)
    {
        Reference = reference;
        _jobDir = jobDir;
        _shards = shards;
        _starts = starts;
        Metadata = metadata;
        Count = count;
        Complete = complete;
    }

    public string Reference { get; }

    public ImageShape Shape => Metadata.Shape;

    public int Classes => Metadata.Classes;

    /// <summary>The class names the shards record (<c>stream_pipeline.classes</c>), so a chained job keeps its source's names.</summary>
    public IReadOnlyList<string> ClassNames => Metadata.ClassNames;

    public long Count { get; }

    /// <summary>False when only the committed part of an unfinished job is read (<c>?partial</c>).</summary>
    public bool Complete { get; }

    /// <summary>The metadata of the first shard file (every file must agree with it on shape and classes).</summary>
    public ConstructedDatasetMetadata Metadata { get; }

    /// <summary>The shard files read, in order.</summary>
    public IReadOnlyList<string> Files => _shards.Select(s => ShardFiles.PathOf(_jobDir, s)).ToArray();

    /// <summary>True when <paramref name="path"/> is a job directory (it has a manifest): <c>parquet:PATH</c> then reads it here.</summary>
    public static bool IsJobDirectory(string path) => Directory.Exists(path) && ManifestStore.Exists(path);

    /// <summary>Opens a job directory's constructed dataset: reads its manifest, verifies every done shard, reads their footers.</summary>
    /// <param name="limit">Keep only the first <paramref name="limit"/> examples.</param>
    /// <param name="partial">Accept an incomplete job (its committed shards only).</param>
    /// <exception cref="DataFormatException">Not a job directory, an incomplete job without <paramref name="partial"/>, a damaged or missing shard.</exception>
    public static ParquetImageDataset Open(string jobDir, long? limit = null, bool partial = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobDir);
        if (limit < 0) throw new ArgumentOutOfRangeException(nameof(limit), limit, "The limit must not be negative.");
        if (!Directory.Exists(jobDir))
            throw new DataFormatException($"{InputText.Show(jobDir)}: job directory not found.");
        if (!ManifestStore.Exists(jobDir))
            throw new DataFormatException($"{jobDir}: no {JobLayout.ManifestFileName} (is this a job directory written by build?).");
        var manifest = ManifestStore.Read(jobDir);
        var done = manifest.DoneShards.ToArray();
        var reference = $"{Scheme}:{jobDir}" + (partial ? "?" + PartialOption : "");
        if (!manifest.IsComplete && !partial)
            throw new DataFormatException(
                $"{jobDir}: the job is incomplete: {done.Length} of {manifest.Shards.Count} shards done ({manifest.RowsDone:N0} of {manifest.TotalExamples:N0} rows); " +
                $"finish it with build, or read its {manifest.RowsDone:N0} committed rows with {Scheme}:{jobDir}?{PartialOption}");
        if (done.Length == 0)
            throw new DataFormatException($"{jobDir}: no shard is committed yet (0 of {manifest.Shards.Count}).");

        var starts = new long[done.Length + 1];
        ConstructedDatasetMetadata? first = null;
        for (int f = 0; f < done.Length; f++)
        {
            ShardFiles.RequireIntact(jobDir, done[f]);
            var path = ShardFiles.PathOf(jobDir, done[f]);
            // IImageDataset is synchronous; the footer read has no synchronisation context to deadlock on.
            var footer = ShardFile.ReadFooterAsync(path, CancellationToken.None).GetAwaiter().GetResult();
            if (footer.Rows != done[f].Rows)
                throw new DataFormatException($"{path}: holds {footer.Rows} rows, the manifest records {done[f].Rows}.");
            if (first is null)
                first = footer.Metadata;
            else if (footer.Metadata.Shape != first.Shape || !footer.Metadata.ClassNames.SequenceEqual(first.ClassNames))
                throw new DataFormatException(
                    $"{path}: shape {footer.Metadata.Shape} / {footer.Metadata.Classes} classes differ from the first shard's {first.Shape} / {first.Classes} classes.");
            starts[f + 1] = starts[f] + footer.Rows;
        }

        long total = starts[^1];
        return new ParquetImageDataset(reference, jobDir, done, starts, first!, limit is { } l ? Math.Min(l, total) : total, manifest.IsComplete);
    }

    /// <summary>Reads rows [start, start+count) in file order; only the files holding them are read (index, label, pixels), the last one is kept.</summary>
    public ImageBatch ReadRange(long start, int count)
    {
        if (start < 0 || count < 0 || start > Count - count)
            throw new ArgumentOutOfRangeException(nameof(start), $"Range [{start}, {start}+{count}) is outside [0, {Count}) of {Reference}.");

        int size = Shape.Size;
        if ((long)count * size > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"{count} images of shape {Shape} do not fit in one batch.");
        var indices = new long[count];
        var labels = new int[count];
        var pixels = GC.AllocateUninitializedArray<float>(count * size); // every value is copied in below
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            long position = start;
            int filled = 0;
            while (filled < count)
            {
                int f = FileOf(position);
                var columns = Load(f);
                int local = (int)(position - _starts[f]);
                int take = (int)Math.Min(count - filled, _starts[f + 1] - position);
                Array.Copy(columns.Index, local, indices, filled, take);
                Array.Copy(columns.Label, local, labels, filled, take);
                Array.Copy(columns.Pixels, (long)local * size, pixels, (long)filled * size, (long)take * size);
                position += take;
                filled += take;
            }
        }
        return new ImageBatch(indices, labels, pixels, Shape);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _cached = null;
            _cachedFile = -1;
        }
    }

    private int FileOf(long position)
    {
        int i = Array.BinarySearch(_starts, position);
        int f = i >= 0 ? i : ~i - 1;
        while (_starts[f + 1] <= position) f++; // skip empty files
        return f;
    }

    private ShardFile.Columns Load(int f)
    {
        if (_cachedFile == f) return _cached!;
        // Let the previous shard go before the next is read.
        _cached = null;
        _cachedFile = -1;
        // The whole file is read anyway: checking its bytes against the manifest again costs no extra I/O and catches
        // a file changed since the dataset was opened.
        var path = ShardFiles.PathOf(_jobDir, _shards[f]);
        var bytes = File.ReadAllBytes(path);
        ShardFiles.Require(ShardFiles.Check(bytes, _shards[f]), _jobDir, _shards[f]);
        var columns = ShardFile.ReadAsync(bytes, path, all: false, CancellationToken.None).GetAwaiter().GetResult();
        long expected = _starts[f + 1] - _starts[f];
        if (columns.Index.Length != expected || columns.Footer.Metadata.Shape != Shape)
            throw new DataFormatException($"{path}: changed since the dataset was opened ({columns.Index.Length} rows, expected {expected}).");
        _cached = columns;
        _cachedFile = f;
        return columns;
    }
}
