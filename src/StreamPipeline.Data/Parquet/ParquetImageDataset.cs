namespace StreamPipeline.Data.Parquet;

/// <summary>A job's constructed dataset (<c>parquet:JOBDIR</c>, the files <c>JOBDIR/data/*.parquet</c> in name order) read as a source dataset, so jobs chain.</summary>
public sealed class ParquetImageDataset : IImageDataset
{
    /// <summary>The dataset-reference scheme: <c>parquet:JOBDIR</c>.</summary>
    public const string Scheme = "parquet";

    /// <summary>The folder of a job directory that holds the shard files.</summary>
    public const string DataFolder = "data";

    private readonly string[] _files;
    private readonly long[] _starts; // _starts[f] = first row of file f; _starts[^1] = rows in all files
    private readonly object _gate = new();
    private int _cachedFile = -1;
    private ShardFile.Columns? _cached;
    private bool _disposed;

    private ParquetImageDataset(string jobDir, string[] files, long[] starts, ConstructedDatasetMetadata metadata, long count)
    {
        Reference = $"{Scheme}:{jobDir}";
        _files = files;
        _starts = starts;
        Metadata = metadata;
        Count = count;
    }

    public string Reference { get; }

    public ImageShape Shape => Metadata.Shape;

    public int Classes => Metadata.Classes;

    public long Count { get; }

    /// <summary>The metadata of the first shard file (every file must agree with it on shape and classes).</summary>
    public ConstructedDatasetMetadata Metadata { get; }

    /// <summary>The shard files read, in order.</summary>
    public IReadOnlyList<string> Files => _files;

    /// <summary>Opens a job directory's constructed dataset, reading only the files' footers.</summary>
    /// <param name="limit">Keep only the first <paramref name="limit"/> examples.</param>
    /// <exception cref="DataFormatException">No <c>data/</c> folder, no shard files, or a file that is corrupt or disagrees with the first.</exception>
    public static ParquetImageDataset Open(string jobDir, long? limit = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobDir);
        if (limit < 0) throw new ArgumentOutOfRangeException(nameof(limit), limit, "The limit must not be negative.");

        string dataDir = Path.Combine(jobDir, DataFolder);
        if (!Directory.Exists(dataDir))
            throw new DataFormatException($"{jobDir}: no '{DataFolder}' folder with shard files (is this a job directory?).");
        // Name order is shard order (part-NNNNN.parquet); temporary files (*.parquet.tmp) are not shards.
        string[] files = Directory.EnumerateFiles(dataDir, "*.parquet")
            .Where(f => f.EndsWith(".parquet", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (files.Length == 0)
            throw new DataFormatException($"{dataDir}: no shard files (*.parquet).");

        var starts = new long[files.Length + 1];
        ConstructedDatasetMetadata? first = null;
        for (int f = 0; f < files.Length; f++)
        {
            // IImageDataset is synchronous; the footer read has no synchronisation context to deadlock on.
            var footer = ShardFile.ReadFooterAsync(files[f], CancellationToken.None).GetAwaiter().GetResult();
            if (first is null)
                first = footer.Metadata;
            else if (footer.Metadata.Shape != first.Shape || !footer.Metadata.ClassNames.SequenceEqual(first.ClassNames))
                throw new DataFormatException(
                    $"{files[f]}: shape {footer.Metadata.Shape} / {footer.Metadata.Classes} classes differ from {files[0]}'s {first.Shape} / {first.Classes} classes.");
            starts[f + 1] = starts[f] + footer.Rows;
        }

        long total = starts[^1];
        return new ParquetImageDataset(jobDir, files, starts, first!, limit is { } l ? Math.Min(l, total) : total);
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
        var columns = ShardFile.ReadAsync(_files[f], all: false, CancellationToken.None).GetAwaiter().GetResult();
        long expected = _starts[f + 1] - _starts[f];
        if (columns.Index.Length != expected || columns.Footer.Metadata.Shape != Shape)
            throw new DataFormatException($"{_files[f]}: changed since the dataset was opened ({columns.Index.Length} rows, expected {expected}).");
        _cached = columns;
        _cachedFile = f;
        return columns;
    }
}
