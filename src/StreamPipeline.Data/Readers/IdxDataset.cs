namespace StreamPipeline.Data.Readers;

/// <summary>Grey images and labels in a pair of IDX files (MNIST / Fashion-MNIST format, raw or gzip).</summary>
public sealed class IdxDataset : IImageDataset
{
    private readonly IdxFile _images;
    private readonly int[] _labels;

    public string Reference { get; }

    public ImageShape Shape { get; }

    public int Classes => ClassNames.Count;

    public IReadOnlyList<string> ClassNames { get; }

    public long Count { get; }

    private IdxDataset(string reference, IdxFile images, int[] labels, IReadOnlyList<string> classNames, long count)
    {
        Reference = reference;
        _images = images;
        _labels = labels;
        ClassNames = classNames;
        Count = count;
        Shape = new ImageShape(1, images.Header.Dimensions[1], images.Header.Dimensions[2]);
    }

    /// <summary>
    /// Opens and validates the two files. With <paramref name="classes"/> known, labels must be below it; otherwise the
    /// labels of the whole file must be exactly 0..C−1 (a gap, such as one stray 42 among 0..9, is refused rather than
    /// silently making a 43-class model). <paramref name="classNames"/> (IDX files carry none) name the classes and fix
    /// their count; without them the classes are numbered.
    /// </summary>
    public static IdxDataset Open(string reference, string imagesPath, string labelsPath, int? classes = null, long? limit = null, IReadOnlyList<string>? classNames = null)
    {
        if (classNames is not null && classes is { } declared && declared != classNames.Count)
            throw new ArgumentException($"{reference}: {declared} classes declared but {classNames.Count} class names given");
        classes ??= classNames?.Count;
        var labels = ReadLabels(labelsPath, classes);
        var images = IdxFile.Open(imagesPath, IdxHeader.ImagesMagic);
        try
        {
            if (images.Header.Count != labels.Length)
                throw new DataFormatException(
                    $"{imagesPath}: {images.Header.Count} images but {labelsPath} has {labels.Length} labels");
            var count = RangeCheck.Limited(labels.Length, limit);
            return new IdxDataset(reference, images, labels, classNames ?? DatasetClasses.Numbered(classes ?? ClassesFrom(labels, labelsPath)), count);
        }
        catch
        {
            images.Dispose();
            throw;
        }
    }

    public ImageBatch ReadRange(long start, int count)
    {
        RangeCheck.Validate(start, count, Count);
        var bytes = new byte[count * Shape.Size];
        _images.Read(start, bytes);
        var pixels = new float[bytes.Length];
        PixelBytes.ToFloats(bytes, pixels);
        return ReaderBatch.Create(start, count, _labels, pixels, Shape);
    }

    public void Dispose() => _images.Dispose();

    /// <summary>The class count the labels imply (<see cref="DatasetClasses.FromLabels"/>).</summary>
    private static int ClassesFrom(int[] labels, string path) =>
        DatasetClasses.FromLabels(labels.Select(l => (long)l).ToArray(), path, "declare the class count: idx:IMAGES,LABELS?classes=N");

    // Labels are small (one byte each), so they are read and checked once at open time.
    private static int[] ReadLabels(string path, int? classes)
    {
        using var file = IdxFile.Open(path, IdxHeader.LabelsMagic);
        var bytes = new byte[checked((int)file.Header.Count)];
        file.Read(0, bytes);
        var labels = new int[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            if (classes is { } c && bytes[i] >= c)
                throw new DataFormatException($"{path}: label {bytes[i]} at index {i} is out of range (expected 0..{c - 1})");
            labels[i] = bytes[i];
        }
        return labels;
    }
}
