using StreamPipeline.Data.Readers;

namespace StreamPipeline.Data.Tests.Readers;

public sealed class ImageFolderDatasetTests : IDisposable
{
    private const int Width = 3, Height = 2, Plane = Width * Height;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private IImageDataset Open(long? limit = null) =>
        DatasetReference.Open($"folder:{_dir.Path}", new DatasetOptions(Limit: limit));

    // Interleaved H×W×C bytes → planar C×H×W floats, as the reader must produce.
    private static float[] Planar(byte[] interleaved, int channels) =>
        [.. Enumerable.Range(0, channels).SelectMany(c => Enumerable.Range(0, Plane).Select(p => interleaved[p * channels + c] / 255f))];

    [Fact]
    public void Colour_pngs_read_back_planar_with_classes_from_sorted_subfolders()
    {
        var cat = TestFiles.Bytes(Plane * 3, seed: 1);
        var dog1 = TestFiles.Bytes(Plane * 3, seed: 2);
        var dog2 = TestFiles.Bytes(Plane * 3, seed: 3);
        var zebra = TestFiles.Bytes(Plane * 3, seed: 6);
        // Ordinal order: "Zebra" < "cat" < "dog"; files inside a class in ordinal order too.
        TestFiles.WritePng(_dir.NewFile("dog/b.png"), Width, Height, 2, dog2);
        TestFiles.WritePng(_dir.NewFile("dog/a.PNG"), Width, Height, 2, dog1);
        TestFiles.WritePng(_dir.NewFile("cat/x.png"), Width, Height, 2, cat);
        TestFiles.WritePng(_dir.NewFile("Zebra/z.png"), Width, Height, 2, zebra);
        File.WriteAllText(_dir.NewFile("cat/notes.txt"), "not an image");

        using var dataset = Open();
        var batch = dataset.ReadRange(0, 4);

        Assert.IsType<ImageFolderDataset>(dataset);
        Assert.Equal(new ImageShape(3, Height, Width), dataset.Shape);
        Assert.Equal(3, dataset.Classes);
        Assert.Equal(4, dataset.Count);
        Assert.Equal([0, 1, 2, 2], batch.Labels);
        Assert.Equal(Planar(zebra, 3), batch.Image(0).ToArray());
        Assert.Equal(Planar(cat, 3), batch.Image(1).ToArray());
        Assert.Equal(Planar(dog1, 3), batch.Image(2).ToArray());
        Assert.Equal(Planar(dog2, 3), batch.Image(3).ToArray());
        Assert.Equal(Planar(dog2, 3), dataset.ReadRange(3, 1).Pixels);
    }

    [Fact]
    public void All_grey_images_give_one_channel()
    {
        var grey = TestFiles.Bytes(Plane, seed: 4);
        var greyAlpha = TestFiles.Bytes(Plane * 2, seed: 5);
        TestFiles.WritePng(_dir.NewFile("a/1.png"), Width, Height, 0, grey);
        TestFiles.WritePng(_dir.NewFile("b/1.png"), Width, Height, 4, greyAlpha);

        using var dataset = Open();
        var batch = dataset.ReadRange(0, 2);

        Assert.Equal(new ImageShape(1, Height, Width), dataset.Shape);
        Assert.Equal(Planar(grey, 1), batch.Image(0).ToArray());
        Assert.Equal(Planar(greyAlpha, 2).Take(Plane), batch.Image(1).ToArray()); // alpha dropped
    }

    [Fact]
    public void Grey_images_among_colour_ones_are_read_as_three_equal_channels()
    {
        var grey = TestFiles.Bytes(Plane, seed: 6);
        TestFiles.WritePng(_dir.NewFile("a/grey.png"), Width, Height, 0, grey);
        TestFiles.WritePng(_dir.NewFile("a/rgba.png"), Width, Height, 6, TestFiles.Bytes(Plane * 4, seed: 7));

        using var dataset = Open();
        var image = dataset.ReadRange(0, 1).Pixels;

        Assert.Equal(new ImageShape(3, Height, Width), dataset.Shape);
        Assert.Equal([.. Planar(grey, 1), .. Planar(grey, 1), .. Planar(grey, 1)], image);
    }

    [Fact]
    public void Limit_keeps_the_first_examples_in_class_order()
    {
        for (var c = 0; c < 3; c++)
            for (var i = 0; i < 2; i++)
                TestFiles.WritePng(_dir.NewFile($"class{c}/{i}.png"), Width, Height, 0, new byte[Plane]);

        using var dataset = Open(limit: 3);

        Assert.Equal(3, dataset.Count);
        Assert.Equal(3, dataset.Classes);
        Assert.Equal([0, 0, 1], dataset.ReadRange(0, 3).Labels);
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.ReadRange(3, 1));
    }

    [Fact]
    public void Differently_sized_image_is_reported_with_its_name()
    {
        TestFiles.WritePng(_dir.NewFile("a/1.png"), Width, Height, 0, new byte[Plane]);
        var odd = _dir.NewFile("b/2.png");
        TestFiles.WritePng(odd, Width + 1, Height, 0, new byte[Plane + Height]);

        var e = Assert.Throws<DataFormatException>(() => Open());
        Assert.StartsWith($"{odd}: image is 4x2, expected 3x2", e.Message);
    }

    [Fact]
    public void Image_with_an_unreadable_header_is_reported_at_open_with_its_name()
    {
        TestFiles.WritePng(_dir.NewFile("a/1.png"), Width, Height, 0, new byte[Plane]);
        var bad = _dir.NewFile("a/2.jpg");
        File.WriteAllText(bad, "this is not a JPEG");

        var e = Assert.Throws<DataFormatException>(() => Open());
        Assert.StartsWith($"{bad}: unreadable image", e.Message);
    }

    [Fact]
    public void Image_with_corrupt_pixel_data_is_reported_when_read_with_its_name()
    {
        TestFiles.WritePng(_dir.NewFile("a/1.png"), Width, Height, 0, new byte[Plane]);
        var bad = _dir.NewFile("a/2.png");
        TestFiles.WritePng(bad, Width, Height, 0, new byte[Plane]);
        var bytes = File.ReadAllBytes(bad);
        File.WriteAllBytes(bad, bytes[..^20]); // cut into IDAT: the header still parses

        using var dataset = Open();
        Assert.Equal(2, dataset.Count);
        var e = Assert.Throws<DataFormatException>(() => dataset.ReadRange(0, 2));
        Assert.StartsWith($"{bad}: unreadable image", e.Message);
    }

    [Fact]
    public void Folder_without_class_subfolders_is_reported()
    {
        File.WriteAllText(_dir.NewFile("stray.png"), "");
        var e = Assert.Throws<DataFormatException>(() => Open());
        Assert.Equal($"{_dir.Path}: no class subfolders", e.Message);
    }

    [Fact]
    public void Class_subfolders_without_images_are_reported()
    {
        Directory.CreateDirectory(_dir.NewFile("a/"));
        File.WriteAllText(_dir.NewFile("b/readme.md"), "");

        var e = Assert.Throws<DataFormatException>(() => Open());
        Assert.StartsWith($"{Path.Combine(_dir.Path, "a")}: class folder holds no PNG or JPEG images", e.Message);
    }

    [Fact]
    public void Missing_folder_is_reported_with_its_path()
    {
        var missing = Path.Combine(_dir.Path, "absent");
        var e = Assert.Throws<DataFormatException>(() => DatasetReference.Open($"folder:{missing}"));
        Assert.Equal($"{missing}: image folder not found", e.Message);
    }
}
