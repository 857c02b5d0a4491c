using StbImageSharp;

namespace StreamPipeline.Data.Readers;

/// <summary>
/// PNG/JPEG images in one subfolder per class (class index = ordinal-sorted subfolder name), decoded on demand.
/// Examples are ordered by class, then by ordinal file name.
/// </summary>
public sealed class ImageFolderDataset : IImageDataset
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];

    private readonly string[] _paths;
    private readonly int[] _labels;

    public string Reference { get; }

    public ImageShape Shape { get; }

    public int Classes => ClassNames.Count;

    /// <summary>The class subfolders' names, in label order.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    public long Count => _paths.Length;

    private ImageFolderDataset(string reference, string[] paths, int[] labels, IReadOnlyList<string> classNames, ImageShape shape)
    {
        Reference = reference;
        _paths = paths;
        _labels = labels;
        ClassNames = classNames;
        Shape = shape;
    }

    /// <summary>
    /// Lists the images under <paramref name="directory"/> and reads the headers of the kept ones (after the limit):
    /// all must have the same size; the images are 1 channel if all of them are grey, else 3.
    /// A class subfolder without images is refused, naming it: it would widen the model by a class it never sees.
    /// </summary>
    public static ImageFolderDataset Open(string reference, string directory, long? limit = null)
    {
        if (!Directory.Exists(directory))
            throw new DataFormatException($"{InputText.Show(directory)}: image folder not found");
        var classDirectories = Directory.GetDirectories(directory).Order(StringComparer.Ordinal).ToArray();
        if (classDirectories.Length == 0)
            throw new DataFormatException($"{directory}: no class subfolders");
        var names = DatasetClasses.Checked(classDirectories.Select(System.IO.Path.GetFileName).ToArray(), directory);
        var examples = classDirectories
            .SelectMany((classDirectory, label) => Images(classDirectory).Select(path => (path, label)))
            .ToArray();
        examples = examples[..(int)RangeCheck.Limited(examples.Length, limit)];

        var paths = examples.Select(e => e.path).ToArray();
        var first = ReadInfo(paths[0]);
        var allGrey = true;
        foreach (var path in paths)
        {
            var info = ReadInfo(path);
            if (info.Width != first.Width || info.Height != first.Height)
                throw new DataFormatException(
                    $"{path}: image is {info.Width}x{info.Height}, expected {first.Width}x{first.Height} like {paths[0]}");
            allGrey &= EncodedImage.IsGrey(info);
        }
        var shape = new ImageShape(allGrey ? 1 : 3, first.Height, first.Width);
        return new ImageFolderDataset(reference, paths, [.. examples.Select(e => e.label)], names, shape);
    }

    public ImageBatch ReadRange(long start, int count)
    {
        RangeCheck.Validate(start, count, Count);
        var pixels = new float[count * Shape.Size];
        for (var i = 0; i < count; i++)
            Decode(_paths[start + i], pixels.AsSpan(i * Shape.Size, Shape.Size));
        return ReaderBatch.Create(start, count, _labels, pixels, Shape);
    }

    public void Dispose()
    {
    }

    /// <summary>The PNG/JPEG files of one class subfolder in ordinal order; none is refused, naming the subfolder.</summary>
    private static string[] Images(string classDirectory)
    {
        var images = Directory.EnumerateFiles(classDirectory)
            .Where(f => Extensions.Contains(System.IO.Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToArray();
        return images.Length > 0 ? images
            : throw new DataFormatException(
                $"{classDirectory}: class folder holds no PNG or JPEG images; every subfolder is a class, and a class without examples is refused (remove the folder)");
    }

    private void Decode(string path, Span<float> destination) => EncodedImage.Decode(File.ReadAllBytes(path), Shape, destination, path);

    private static ImageInfo ReadInfo(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return EncodedImage.Info(stream, path);
        }
        catch (Exception e) when (e is not DataFormatException)
        {
            throw new DataFormatException($"{path}: unreadable image ({e.Message})", e);
        }
    }
}
