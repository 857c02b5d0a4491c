using Microsoft.Win32.SafeHandles;

namespace StreamPipeline.Data.Readers;

/// <summary>CIFAR-10, binary version: records of 1 label byte + 32×32 R, G, B planes, over one or more files.</summary>
public sealed class Cifar10Dataset : IImageDataset
{
    private static readonly int ImageBytes = KnownDatasets.Cifar10.Shape.Size;

    /// <summary>One record: the label byte, then the image's R, G and B planes.</summary>
    public static readonly int RecordBytes = 1 + ImageBytes;

    /// <summary>The files of each split, in order.</summary>
    public static readonly IReadOnlyList<string> TrainFiles = [.. Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin")];

    public static readonly IReadOnlyList<string> TestFiles = ["test_batch.bin"];

    private readonly string[] _paths;
    private readonly SafeFileHandle[] _files;
    private readonly long[] _firstIndex; // global index of each file's first record, plus the total at the end
    private readonly int[] _labels;

    public string Reference { get; }

    public ImageShape Shape => KnownDatasets.Cifar10.Shape;

    /// <summary>The file beside the batches that names the classes, one per line (label order).</summary>
    public const string ClassNamesFile = "batches.meta.txt";

    public int Classes => ClassNames.Count;

    public IReadOnlyList<string> ClassNames { get; }

    public long Count { get; }

    private Cifar10Dataset(string reference, string[] paths, SafeFileHandle[] files, long[] firstIndex, int[] labels, long count, IReadOnlyList<string> classNames)
    {
        Reference = reference;
        ClassNames = classNames;
        _paths = paths;
        _files = files;
        _firstIndex = firstIndex;
        _labels = labels;
        Count = count;
    }

    /// <summary>
    /// Opens the split <paramref name="train"/> or test under <paramref name="directory"/>, with the class names of its
    /// <see cref="ClassNamesFile"/>, or CIFAR-10's standard ten when the folder has none.
    /// </summary>
    public static Cifar10Dataset Open(string reference, string directory, bool train, long? limit = null) =>
        Open(reference, [.. (train ? TrainFiles : TestFiles).Select(f => System.IO.Path.Combine(directory, f))], limit,
            ReadClassNames(System.IO.Path.Combine(directory, ClassNamesFile)));

    /// <summary>Opens the given record files as one dataset, in order; labels are checked now. Classes get CIFAR-10's standard names unless <paramref name="classNames"/> are given.</summary>
    public static Cifar10Dataset Open(string reference, IReadOnlyList<string> paths, long? limit = null, IReadOnlyList<string>? classNames = null)
    {
        classNames ??= KnownDatasets.Cifar10.ClassNames;
        if (classNames.Count != 10)
            throw new ArgumentException($"CIFAR-10 has 10 classes, {classNames.Count} names given", nameof(classNames));
        var files = new List<SafeFileHandle>();
        try
        {
            var firstIndex = new long[paths.Count + 1];
            var labels = new List<int>();
            for (var f = 0; f < paths.Count; f++)
            {
                var path = paths[f];
                if (!File.Exists(path))
                    throw new DataFormatException($"{InputText.Show(path)}: file not found");
                var handle = File.OpenHandle(path);
                files.Add(handle);
                var length = RandomAccess.GetLength(handle);
                if (length % RecordBytes != 0)
                    throw new DataFormatException(
                        $"{path}: length {length} is not a multiple of the CIFAR-10 record size {RecordBytes}");
                ReadLabels(handle, path, length / RecordBytes, labels);
                firstIndex[f + 1] = firstIndex[f] + length / RecordBytes;
            }
            return new Cifar10Dataset(reference, [.. paths], [.. files], firstIndex, [.. labels], RangeCheck.Limited(labels.Count, limit), classNames);
        }
        catch
        {
            files.ForEach(h => h.Dispose());
            throw;
        }
    }

    public ImageBatch ReadRange(long start, int count)
    {
        RangeCheck.Validate(start, count, Count);
        var pixels = new float[count * ImageBytes];
        var buffer = new byte[Math.Min(count, 256) * RecordBytes]; // read in chunks: at most 256 records of bytes besides the floats
        var done = 0;
        while (done < count)
        {
            var index = start + done;
            var f = 0;
            while (_firstIndex[f + 1] <= index) // also steps over empty files
                f++;
            var n = (int)Math.Min(Math.Min(count - done, _firstIndex[f + 1] - index), buffer.Length / RecordBytes);
            var bytes = buffer.AsSpan(0, n * RecordBytes);
            ReadExactly(_files[f], _paths[f], bytes, (index - _firstIndex[f]) * RecordBytes);
            for (var i = 0; i < n; i++)
                PixelBytes.ToFloats(bytes.Slice(i * RecordBytes + 1, ImageBytes), pixels.AsSpan((done + i) * ImageBytes, ImageBytes));
            done += n;
        }
        return ReaderBatch.Create(start, count, _labels, pixels, Shape);
    }

    public void Dispose()
    {
        foreach (var file in _files)
            file.Dispose();
    }

    /// <summary>
    /// The ten names of a <c>batches.meta.txt</c> (one per line; the file ends with blank lines), or the standard ten when
    /// the file is absent: the binary version's labels are those classes whether or not the file was copied along.
    /// </summary>
    private static IReadOnlyList<string> ReadClassNames(string path)
    {
        if (!File.Exists(path))
            return KnownDatasets.Cifar10.ClassNames;
        var lines = File.ReadAllLines(path).Select(l => l.Trim()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0)
            lines.RemoveAt(lines.Count - 1);
        if (lines.Count != 10)
            throw new DataFormatException($"{path}: expected the 10 CIFAR-10 class names, one per line, found {lines.Count} lines");
        return DatasetClasses.Checked(lines, path);
    }

    // One positioned 1-byte read per record: the label bytes are spread over the whole file.
    private static void ReadLabels(SafeFileHandle handle, string path, long records, List<int> labels)
    {
        Span<byte> label = stackalloc byte[1];
        for (long r = 0; r < records; r++)
        {
            ReadExactly(handle, path, label, r * RecordBytes);
            if (label[0] > 9)
                throw new DataFormatException($"{path}: record {r} has label {label[0]}, expected 0..9");
            labels.Add(label[0]);
        }
    }

    private static void ReadExactly(SafeFileHandle handle, string path, Span<byte> destination, long offset)
    {
        var done = 0;
        while (done < destination.Length)
        {
            var n = RandomAccess.Read(handle, destination[done..], offset + done);
            if (n == 0)
                throw new DataFormatException($"{path}: file ended early at byte {offset + done} (changed since it was opened?)");
            done += n;
        }
    }
}
