using System.Numerics;
using Parquet;
using Parquet.Schema;
using StreamPipeline.Data.Readers;

namespace StreamPipeline.Data.Parquet;

/// <summary>
/// Parquet files in the Hugging Face layout (the Hub's Parquet exports, or anything <c>datasets</c> wrote) read as a
/// source dataset: an image column (<c>struct&lt;bytes, path&gt;</c> or plain binary, PNG or JPEG bytes) and an integer
/// label column, found from the <c>huggingface</c> features metadata (the one Image and the one ClassLabel feature) or
/// named by the reference (<c>parquet:PATH?image=img&amp;label=label</c>). Rows come in file order, then row order.
/// </summary>
/// <remarks>
/// When opened, every label is read and checked against the classes, and every kept image's header is read: all images
/// must have one size; they are one channel if all are grey (grey+alpha too), else three — an alpha channel is dropped,
/// not composited, and a palette is expanded. Pixels are decoded when a range is read; one row group's encoded images
/// are kept between reads, as training reads contiguous chunks.
/// </remarks>
public sealed class HuggingFaceParquetDataset : IImageDataset
{
    /// <summary>The reference option naming the image column.</summary>
    public const string ImageOption = "image";

    /// <summary>The reference option naming the label column.</summary>
    public const string LabelOption = "label";

    private readonly FileColumns[] _files;
    private readonly RowGroup[] _groups;
    private readonly long[] _groupStarts; // first row of each row group, then the total
    private readonly int[] _labels;
    private readonly object _gate = new();
    private int _cachedGroup = -1;
    private byte[][]? _cachedImages;
    private bool _disposed;

    private HuggingFaceParquetDataset(string reference, FileColumns[] files, RowGroup[] groups, long[] groupStarts, int[] labels,
        IReadOnlyList<string> classNames, ImageShape shape, long count)
    {
        Reference = reference;
        _files = files;
        _groups = groups;
        _groupStarts = groupStarts;
        _labels = labels;
        ClassNames = classNames;
        Shape = shape;
        Count = count;
    }

    public string Reference { get; }

    public ImageShape Shape { get; }

    public int Classes => ClassNames.Count;

    /// <summary>The ClassLabel feature's names, or "0".."C-1" for a plain integer label column (C = largest label + 1, every class present).</summary>
    public IReadOnlyList<string> ClassNames { get; }

    public long Count { get; }

    /// <summary>The files read, in order.</summary>
    public IReadOnlyList<string> Files => _files.Select(f => f.Path).ToArray();

    /// <summary>The image and label columns read.</summary>
    public (string Image, string Label) Columns => (_files[0].ImageColumn, _files[0].LabelColumn);

    /// <summary>Opens the files of <paramref name="path"/> (a file, a folder's <c>*.parquet</c> files, or a glob).</summary>
    /// <param name="imageColumn">The image column; null: the one Image feature of the metadata.</param>
    /// <param name="labelColumn">The label column; null: the one ClassLabel feature of the metadata.</param>
    /// <param name="limit">Keep only the first <paramref name="limit"/> rows.</param>
    /// <exception cref="DataFormatException">No such files, no (or an ambiguous) image or label column, a null, a label out of range, an undecodable image, images of several sizes.</exception>
    public static HuggingFaceParquetDataset Open(string reference, string path, string? imageColumn = null, string? labelColumn = null, long? limit = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var paths = ParquetFileSet.Resolve(path);
        var files = new List<FileColumns>();
        var groups = new List<RowGroup>();
        var labels = new List<long>();
        foreach (var file in paths)
        {
            var columns = Guard(file, () => ReadFileAsync(file, imageColumn, labelColumn, files.Count, groups, labels));
            if (files.Count > 0 && (columns.ImageColumn, columns.LabelColumn) != (files[0].ImageColumn, files[0].LabelColumn))
                throw new DataFormatException(
                    $"{file}: image/label columns '{columns.ImageColumn}'/'{columns.LabelColumn}' differ from {files[0].Path}'s '{files[0].ImageColumn}'/'{files[0].LabelColumn}'; name them: ?{ImageOption}=COL&{LabelOption}=COL");
            if (files.Count > 0 && !SameNames(columns.ClassNames, files[0].ClassNames))
                throw new DataFormatException($"{file}: the ClassLabel names of '{columns.LabelColumn}' differ from those of {files[0].Path}");
            files.Add(columns);
        }

        var starts = new long[groups.Count + 1];
        for (var g = 0; g < groups.Count; g++)
            starts[g + 1] = starts[g] + groups[g].Rows;
        var total = starts[^1];
        if (total == 0)
            throw new DataFormatException($"{path}: the Parquet files hold no rows");
        var count = RangeCheck.Limited(total, limit);

        FileColumns[] fileArray = [.. files];
        RowGroup[] groupArray = [.. groups];
        var negative = labels.FindIndex(l => l < 0);
        if (negative >= 0)
            throw new DataFormatException(
                $"{RowName(fileArray, groupArray, starts, negative)}: label {labels[negative]} is negative (column '{fileArray[0].LabelColumn}')");
        var tooLarge = fileArray[0].ClassNames is null ? labels.FindIndex(l => l >= DatasetClasses.MaxClasses) : -1;
        if (tooLarge >= 0)
            throw new DataFormatException(
                $"{RowName(fileArray, groupArray, starts, tooLarge)}: label {labels[tooLarge]:N0} would make {labels[tooLarge] + 1:N0} classes; a dataset may have at most {DatasetClasses.MaxClasses:N0} (column '{fileArray[0].LabelColumn}')");
        var names = fileArray[0].ClassNames ?? NumberedClasses(labels, fileArray.Length == 1 ? fileArray[0].Path : path, fileArray[0].LabelColumn);
        var checkedLabels = new int[labels.Count];
        for (var i = 0; i < labels.Count; i++)
        {
            if (labels[i] >= names.Count)
                throw new DataFormatException(
                    $"{RowName(fileArray, groupArray, starts, i)}: label {labels[i]} is outside 0..{names.Count - 1} (column '{fileArray[0].LabelColumn}')");
            checkedLabels[i] = (int)labels[i];
        }

        var shape = ReadShape(fileArray, groupArray, starts, count);
        return new HuggingFaceParquetDataset(reference, fileArray, groupArray, starts, checkedLabels, names, shape, count);
    }

    /// <summary>Reads rows [start, start+count): the row groups holding them are read, their images decoded.</summary>
    public ImageBatch ReadRange(long start, int count)
    {
        RangeCheck.Validate(start, count, Count);
        var size = Shape.Size;
        if ((long)count * size > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"{count} images of shape {Shape} do not fit in one batch.");
        var indices = new long[count];
        var labels = new int[count];
        var pixels = new float[count * size];
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            for (var i = 0; i < count; i++)
            {
                var row = start + i;
                var g = GroupOf(_groupStarts, row);
                var images = Load(g);
                var local = (int)(row - _groupStarts[g]);
                EncodedImage.Decode(images[local], Shape, pixels.AsSpan(i * size, size), RowName(_files, _groups, _groupStarts, row));
                indices[i] = row;
                labels[i] = _labels[row];
            }
        }
        return new ImageBatch(indices, labels, pixels, Shape);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _cachedImages = null;
            _cachedGroup = -1;
        }
    }

    /// <summary>Reads the header of every kept image: one size for all, one channel only if all are grey.</summary>
    private static ImageShape ReadShape(FileColumns[] files, RowGroup[] groups, long[] starts, long count)
    {
        (int Width, int Height, string Where)? first = null;
        var allGrey = true;
        for (var g = 0; g < groups.Length && starts[g] < count; g++)
        {
            var file = files[groups[g].File];
            var images = Guard(file.Path, () => ReadImagesAsync(file, groups[g]));
            var rows = (int)Math.Min(images.Length, count - starts[g]);
            for (var r = 0; r < rows; r++)
            {
                var where = RowName(files, groups, starts, starts[g] + r);
                var info = EncodedImage.Info(new MemoryStream(images[r], writable: false), where);
                first ??= (info.Width, info.Height, where);
                if (info.Width != first.Value.Width || info.Height != first.Value.Height)
                    throw new DataFormatException($"{where}: image is {info.Width}x{info.Height}, expected {first.Value.Width}x{first.Value.Height} like {first.Value.Where}");
                allGrey &= EncodedImage.IsGrey(info);
            }
        }
        // count > 0, so some image was read.
        return new ImageShape(allGrey ? 1 : 3, first!.Value.Height, first.Value.Width);
    }

    /// <summary>The row group holding dataset row <paramref name="row"/>.</summary>
    private static int GroupOf(long[] starts, long row)
    {
        var i = Array.BinarySearch(starts, row);
        var g = i >= 0 ? i : ~i - 1;
        while (starts[g + 1] <= row) g++; // skip empty row groups
        return g;
    }

    /// <summary>The encoded images of row group <paramref name="g"/>, the last one kept.</summary>
    private byte[][] Load(int g)
    {
        if (_cachedGroup == g) return _cachedImages!;
        _cachedImages = null;
        _cachedGroup = -1;
        var file = _files[_groups[g].File];
        var images = Guard(file.Path, () => ReadImagesAsync(file, _groups[g]));
        _cachedImages = images;
        _cachedGroup = g;
        return images;
    }

    /// <summary>"FILE: row R" for dataset row <paramref name="row"/>, R counted from 0 within the file.</summary>
    private static string RowName(FileColumns[] files, RowGroup[] groups, long[] starts, long row)
    {
        var g = GroupOf(starts, row);
        return $"{files[groups[g].File].Path}: row {groups[g].FirstRow + (row - starts[g])}";
    }

    private static async Task<byte[][]> ReadImagesAsync(FileColumns file, RowGroup group)
    {
        await using var reader = await ParquetReader.CreateAsync(file.Path).ConfigureAwait(false);
        var rowGroup = reader.OpenRowGroupReader(group.Index);
        var rows = checked((int)rowGroup.RowCount);
        if (rows != group.Rows)
            throw new DataFormatException($"{file.Path}: row group {group.Index} holds {rows} rows, {group.Rows} when the dataset was opened (the file changed?)");
        var values = new ReadOnlyMemory<byte>[rows];
        var levels = file.ImageBytes.MaxDefinitionLevel > 0 ? new int[rows] : null;
        await rowGroup.ReadRawAsync<ReadOnlyMemory<byte>>(file.ImageBytes, values, levels, null).ConfigureAwait(false);
        RequireValues(levels, file.ImageBytes, file.Path, group.FirstRow, $"image column '{file.ImageColumn}' has no bytes (images stored by path only are not read)");
        // Copy at once: the values may point into the reader's pooled buffers.
        return values.Select(v => v.ToArray()).ToArray();
    }

    /// <summary>Finds the columns of one file, records its row groups and appends its labels.</summary>
    private static async Task<FileColumns> ReadFileAsync(string path, string? imageOption, string? labelOption, int fileIndex, List<RowGroup> groups, List<long> labels)
    {
        await using var reader = await ParquetReader.CreateAsync(path).ConfigureAwait(false);
        var features = HuggingFaceFeatures.Parse(reader.CustomMetadata?.GetValueOrDefault("huggingface"), path);
        var imageColumn = imageOption ?? Single(features.ImageColumns, "Image", ImageOption, path);
        var labelColumn = labelOption ?? Single([.. features.ClassLabels.Keys], "ClassLabel", LabelOption, path);
        var imageBytes = ImageBytesField(reader.Schema, imageColumn, path);
        var label = LabelField(reader.Schema, labelColumn, path);
        var columns = new FileColumns(path, imageColumn, labelColumn, imageBytes, label, features.ClassLabels.GetValueOrDefault(labelColumn));

        long firstRow = 0;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            var rowGroup = reader.OpenRowGroupReader(g);
            var rows = checked((int)rowGroup.RowCount);
            labels.AddRange(await ReadIntegersAsync(rowGroup, label, rows, path, firstRow).ConfigureAwait(false));
            groups.Add(new RowGroup(fileIndex, g, firstRow, rows));
            firstRow += rows;
        }
        return columns;
    }

    private static string Single(IReadOnlyList<string> candidates, string feature, string option, string path) => candidates.Count switch
    {
        1 => candidates[0],
        0 => throw new DataFormatException(
            $"{path}: no {feature} feature in its 'huggingface' metadata; name the column: parquet:PATH?{option}=COLUMN"),
        _ => throw new DataFormatException(
            $"{path}: {candidates.Count} {feature} features ({string.Join(", ", candidates)}); name one: parquet:PATH?{option}=COLUMN"),
    };

    /// <summary>The binary field holding the encoded image: <c>COLUMN.bytes</c> of an Image struct, or COLUMN itself when binary.</summary>
    private static DataField ImageBytesField(ParquetSchema schema, string column, string path)
    {
        var field = TopLevel(schema, column, path);
        var bytes = field switch
        {
            StructField s => s.Fields.OfType<DataField>().FirstOrDefault(f => f.Name == "bytes"),
            DataField d => d,
            _ => null,
        };
        // Parquet.Net reports a BYTE_ARRAY column as ReadOnlyMemory<byte> when reading (byte[] when declared).
        if (bytes is null || (bytes.ClrType != typeof(ReadOnlyMemory<byte>) && bytes.ClrType != typeof(byte[])) || bytes.IsArray)
            throw new DataFormatException($"{path}: column '{column}' is not an image column (struct<bytes: binary, path: string> or binary)");
        return bytes;
    }

    private static readonly Type[] IntegerTypes = [typeof(long), typeof(int), typeof(short), typeof(sbyte), typeof(byte), typeof(ushort), typeof(uint)];

    private static DataField LabelField(ParquetSchema schema, string column, string path)
    {
        if (TopLevel(schema, column, path) is DataField { IsArray: false } d && IntegerTypes.Contains(d.ClrType))
            return d;
        throw new DataFormatException($"{path}: column '{column}' is not an integer label column");
    }

    private static Field TopLevel(ParquetSchema schema, string column, string path) =>
        schema.Fields.FirstOrDefault(f => f.Name == column)
        ?? throw new DataFormatException($"{path}: no column '{column}' (columns: {string.Join(", ", schema.Fields.Select(f => f.Name))})");

    private static Task<long[]> ReadIntegersAsync(ParquetRowGroupReader group, DataField field, int rows, string path, long firstRow) =>
        field.ClrType switch
        {
            var t when t == typeof(long) => ReadIntegersAsync<long>(group, field, rows, path, firstRow),
            var t when t == typeof(int) => ReadIntegersAsync<int>(group, field, rows, path, firstRow),
            var t when t == typeof(short) => ReadIntegersAsync<short>(group, field, rows, path, firstRow),
            var t when t == typeof(sbyte) => ReadIntegersAsync<sbyte>(group, field, rows, path, firstRow),
            var t when t == typeof(byte) => ReadIntegersAsync<byte>(group, field, rows, path, firstRow),
            var t when t == typeof(ushort) => ReadIntegersAsync<ushort>(group, field, rows, path, firstRow),
            _ => ReadIntegersAsync<uint>(group, field, rows, path, firstRow),
        };

    private static async Task<long[]> ReadIntegersAsync<T>(ParquetRowGroupReader group, DataField field, int rows, string path, long firstRow)
        where T : struct, IBinaryInteger<T>
    {
        var values = new T[rows];
        var levels = field.MaxDefinitionLevel > 0 ? new int[rows] : null;
        await group.ReadRawAsync<T>(field, values, levels, null).ConfigureAwait(false);
        RequireValues(levels, field, path, firstRow, $"label column '{field.Name}' is null");
        return values.Select(long.CreateChecked).ToArray();
    }

    /// <summary>Refuses a null (a definition level below the field's maximum), naming the file and row.</summary>
    private static void RequireValues(int[]? levels, DataField field, string path, long firstRow, string problem)
    {
        if (levels is null) return;
        var i = Array.FindIndex(levels, d => d != field.MaxDefinitionLevel);
        if (i >= 0)
            throw new DataFormatException($"{path}: row {firstRow + i}: {problem}");
    }

    /// <summary>Numbered classes for a label column without ClassLabel names: labels must be exactly 0..C-1 across all files.</summary>
    private static IReadOnlyList<string> NumberedClasses(List<long> labels, string files, string labelColumn) =>
        DatasetClasses.Numbered(DatasetClasses.FromLabels(labels, $"{files}: label column '{labelColumn}' (no ClassLabel)",
            "give the column a ClassLabel feature (names or num_classes) in the files' 'huggingface' metadata"));

    private static bool SameNames(IReadOnlyList<string>? a, IReadOnlyList<string>? b) =>
        a is null ? b is null : b is not null && a.SequenceEqual(b);

    /// <summary>Runs a read, turning any failure other than our own clear errors into one line naming the file.</summary>
    private static T Guard<T>(string path, Func<Task<T>> read)
    {
        try
        {
            // IImageDataset is synchronous; these reads have no synchronisation context to deadlock on.
            return read().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not (DataFormatException or OperationCanceledException))
        {
            throw new DataFormatException($"{path}: cannot read as Parquet: {e.Message}", e);
        }
    }

    /// <summary>One file's columns: the names, the binary field of the image, the label field, the ClassLabel names if any.</summary>
    private sealed record FileColumns(string Path, string ImageColumn, string LabelColumn, DataField ImageBytes, DataField Label, IReadOnlyList<string>? ClassNames);

    /// <summary>Row group <see cref="Index"/> of file <see cref="File"/>, whose first row is the file's row <see cref="FirstRow"/>.</summary>
    private sealed record RowGroup(int File, int Index, long FirstRow, int Rows);
}
