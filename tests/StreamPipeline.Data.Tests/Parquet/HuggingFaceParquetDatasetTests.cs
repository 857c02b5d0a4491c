using StreamPipeline.Data.Parquet;
using StreamPipeline.Data.Tests.Fixtures;

namespace StreamPipeline.Data.Tests.Parquet;

/// <summary>
/// <c>parquet:PATH</c> on files in the Hugging Face Hub layout, written by DuckDB (<see cref="HubParquet"/>): PNG bytes
/// (made by the program's encoder, decoded by stb_image) and JPEG/PNG fixtures made by Pillow.
/// </summary>
public sealed class HuggingFaceParquetDatasetTests : IDisposable
{
    private static readonly string[] Names = ["zero", "one", "two"];
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Png_images_and_class_names_come_from_the_image_and_class_label_features(int channels)
    {
        var shape = new ImageShape(channels, 5, 4);
        var images = RandomImages(seed: channels, count: 7, shape);
        var path = _dir.File("train-00000-of-00001.parquet");
        HubParquet.Write(path, images.Select((x, i) => new HubParquet.Row(PngCodec.Encode(x, shape), i % 3)).ToList(), HubParquet.Features(classNames: Names));

        using var data = DatasetReference.Open("parquet:" + path);

        var hub = Assert.IsType<HuggingFaceParquetDataset>(data);
        Assert.Equal(("img", "label"), hub.Columns);
        Assert.Equal("parquet:" + path, data.Reference);
        Assert.Equal(shape, data.Shape);
        Assert.Equal(Names, data.ClassNames);
        Assert.Equal(3, data.Classes);
        Assert.Equal(7, data.Count);
        var batch = data.ReadRange(2, 4);
        Assert.Equal([2L, 3, 4, 5], batch.Indices);
        Assert.Equal([2, 0, 1, 2], batch.Labels);
        for (var i = 0; i < 4; i++)
            Assert.Equal(images[2 + i].Select(v => PngCodec.Quantize(v) / 255f), batch.Image(i).ToArray());
    }

    [Theory]
    [InlineData("rgb-0.jpg", "rgb-1.jpg", "rgb-2.jpg", "rgb-3.jpg")]
    [InlineData("grey-0.jpg", "grey-1.jpg")]
    public void Jpeg_bytes_decode_within_two_levels_of_an_independent_decoder(params string[] files)
    {
        var path = _dir.File("jpeg.parquet");
        HubParquet.Write(path, files.Select((f, i) => new HubParquet.Row(FixtureFiles.Image(f), i % 2)).ToList(), HubParquet.Features(classNames: ["a", "b"]));

        using var data = DatasetReference.Open("parquet:" + path);

        var expectedChannels = files[0].StartsWith("grey", StringComparison.Ordinal) ? 1 : 3;
        Assert.Equal(new ImageShape(expectedChannels, 8, 8), data.Shape);
        var batch = data.ReadRange(0, files.Length);
        for (var i = 0; i < files.Length; i++)
        {
            // libjpeg-turbo (Pillow) and stb_image use different IDCTs: a level or two apart, never more.
            var levels = Planar(FixtureFiles.DecodedByPillow(files[i]), data.Shape);
            var ours = batch.Image(i).ToArray().Select(v => (int)MathF.Round(v * 255f)).ToArray();
            Assert.True(levels.Zip(ours, (a, b) => Math.Abs(a - b)).Max() <= 2, $"{files[i]}: more than two levels from Pillow's decoding");
        }
    }

    [Theory]
    [InlineData(1, "grey-0.jpg", "grey-alpha.png")]  // grey with alpha is still grey: the alpha is dropped
    [InlineData(3, "grey-0.jpg", "rgb-0.jpg")]       // one colour image makes every image RGB
    [InlineData(3, "rgba.png")]                      // alpha dropped, not composited
    [InlineData(3, "palette.png")]                   // palette expanded
    public void Images_are_one_channel_when_all_are_grey_else_three(int channels, params string[] files)
    {
        var path = _dir.File("mixed.parquet");
        HubParquet.Write(path, files.Select(f => new HubParquet.Row(FixtureFiles.Image(f), 0)).ToList(), HubParquet.Features(classNames: ["only", "other"]));

        using var data = DatasetReference.Open("parquet:" + path);

        Assert.Equal(channels, data.Shape.Channels);
        var batch = data.ReadRange(0, files.Length);
        for (var i = 0; i < files.Length; i++)
        {
            if (!files[i].EndsWith(".png", StringComparison.Ordinal) || files.Length > 1)
                continue;
            // PNG is lossless: the values are exactly Pillow's RGB conversion (alpha dropped, palette looked up).
            Assert.Equal(Planar(FixtureFiles.DecodedByPillow(files[i]), data.Shape), batch.Image(i).ToArray().Select(v => (int)MathF.Round(v * 255f)));
        }
    }

    [Fact]
    public void A_folder_a_glob_and_a_file_read_their_files_in_name_order()
    {
        var shape = new ImageShape(1, 2, 2);
        var folder = Directory.CreateDirectory(_dir.File("export/data")).FullName;
        WriteRowsNumbered(Path.Combine(folder, "train-00001-of-00002.parquet"), shape, first: 10, count: 3);
        WriteRowsNumbered(Path.Combine(folder, "train-00000-of-00002.parquet"), shape, first: 0, count: 4);
        WriteRowsNumbered(Path.Combine(folder, "test-00000-of-00001.parquet"), shape, first: 100, count: 2);
        File.WriteAllText(Path.Combine(folder, "README.md"), "not parquet");

        using var train = DatasetReference.Open($"parquet:{folder}/train-*.parquet");
        using var all = DatasetReference.Open($"parquet:{folder}");
        using var test = DatasetReference.Open($"parquet:{folder}/test-00000-of-00001.parquet");

        Assert.Equal([0, 1, 2, 3, 10, 11, 12], RowNumbers(train));
        Assert.Equal([100, 101, 0, 1, 2, 3, 10, 11, 12], RowNumbers(all)); // "test-" sorts before "train-"
        Assert.Equal([100, 101], RowNumbers(test));
    }

    [Fact]
    public void Reads_across_row_groups_and_files_return_the_rows_in_order_from_any_thread()
    {
        var shape = new ImageShape(1, 2, 2);
        var first = _dir.NewFile("big/part-0.parquet");
        WriteRowsNumbered(first, shape, first: 0, count: 4200, rowGroupSize: 2048);
        WriteRowsNumbered(_dir.NewFile("big/part-1.parquet"), shape, first: 4200, count: 50);
        Assert.Equal(3, HubParquet.RowGroups(first)); // DuckDB cuts row groups at 2,048 rows

        using var data = DatasetReference.Open("parquet:" + _dir.File("big"));

        Assert.Equal(4250, data.Count);
        var ranges = new[] { (2040, 20), (0, 5), (4190, 60), (4095, 2), (4249, 1), (1000, 3100), (2047, 1) };
        Parallel.ForEach(ranges, new ParallelOptions { MaxDegreeOfParallelism = 4 }, range =>
        {
            var batch = data.ReadRange(range.Item1, range.Item2);
            Assert.Equal(Enumerable.Range(range.Item1, range.Item2), RowNumbers(batch));
            Assert.Equal(Enumerable.Range(range.Item1, range.Item2).Select(r => r % 3), batch.Labels);
        });
    }

    [Fact]
    public void Reference_options_name_the_columns_when_the_metadata_names_several_or_none()
    {
        var shape = new ImageShape(1, 2, 2);
        var png = PngCodec.Encode(new float[4], shape);
        var twoLabels = """{"info":{"features":{"picture":{"_type":"Image"},"fine":{"names":["a","b","c"],"_type":"ClassLabel"},"coarse":{"names":["x","y"],"_type":"ClassLabel"}}}}""";
        var path = _dir.File("two-labels.parquet");
        HubParquet.Write(path, [new(png, 2), new(png, 1)], twoLabels, imageColumn: "picture", labelColumn: "fine");

        var ambiguous = Assert.Throws<DataFormatException>(() => DatasetReference.Open("parquet:" + path));
        using var named = DatasetReference.Open($"parquet:{path}?image=picture&label=fine");

        Assert.Contains("2 ClassLabel features (fine, coarse); name one: parquet:PATH?label=COLUMN", ambiguous.Message);
        Assert.Equal(["a", "b", "c"], named.ClassNames);
        Assert.Equal([2, 1], named.ReadRange(0, 2).Labels);
    }

    [Fact]
    public void A_plain_integer_label_column_without_class_label_gets_numbered_classes_up_to_the_largest_label()
    {
        var shape = new ImageShape(1, 2, 2);
        var png = PngCodec.Encode(new float[4], shape);
        var path = _dir.File("plain.parquet");
        HubParquet.Write(path, [new(png, 2), new(png, 0), new(png, 1)], huggingface: null, imageColumn: "pic", labelColumn: "y", labelType: "TINYINT");

        using var data = DatasetReference.Open($"parquet:{path}?image=pic&label=y");

        Assert.Equal(["0", "1", "2"], data.ClassNames);
        Assert.Equal([2, 0, 1], data.ReadRange(0, 3).Labels);
    }

    [Fact]
    public void A_plain_integer_label_column_with_a_gap_is_refused_naming_the_first_missing_class()
    {
        var shape = new ImageShape(1, 2, 2);
        var png = PngCodec.Encode(new float[4], shape);
        var path = _dir.File("gap.parquet");
        HubParquet.Write(path, [new(png, 4), new(png, 0), new(png, 2)], huggingface: null, imageColumn: "pic", labelColumn: "y", labelType: "TINYINT");

        var e = Assert.Throws<DataFormatException>(() => DatasetReference.Open($"parquet:{path}?image=pic&label=y").Dispose());

        Assert.StartsWith($"{path}: label column 'y' (no ClassLabel): labels are not 0..4: 4 occurs but 1, 3 never do", e.Message);
    }

    [Fact]
    public void Limit_keeps_the_first_rows_and_checks_only_their_images()
    {
        var shape = new ImageShape(1, 2, 2);
        var png = PngCodec.Encode(new float[4], shape);
        var path = _dir.File("tail-broken.parquet");
        HubParquet.Write(path, [new(png, 0), new(png, 1), new("not an image"u8.ToArray(), 1)], HubParquet.Features(classNames: ["a", "b"]));

        using var data = DatasetReference.Open("parquet:" + path, new DatasetOptions(Limit: 2));

        Assert.Equal(2, data.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.ReadRange(1, 2));
    }

    public static TheoryData<string, string> BadFiles => new()
    {
        { "no-image-feature", "no Image feature in its 'huggingface' metadata; name the column: parquet:PATH?image=COLUMN" },
        { "no-metadata", "no Image feature in its 'huggingface' metadata" },
        { "undecodable", "row 2: unreadable image" },
        { "label-too-large", "row 1: label 3 is outside 0..2 (column 'label')" },
        { "label-negative", "row 0: label -1 is negative" },
        { "label-null", "row 1: label column 'label' is null" },
        { "image-null", "row 2: image column 'img' has no bytes" },
        { "other-size", "row 1: image is 3x2, expected 2x2 like " },
        { "string-label", "column 'label' is not an integer label column" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Bad_file_is_one_line_naming_the_file_and_the_row(string name, string expected)
    {
        var path = WriteBad(name);

        var e = Assert.Throws<DataFormatException>(() => DatasetReference.Open("parquet:" + path).Dispose());

        Assert.StartsWith(path + ":", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Missing_paths_name_what_parquet_PATH_accepts()
    {
        var empty = Directory.CreateDirectory(_dir.File("empty")).FullName;

        var missing = Assert.Throws<DataFormatException>(() => DatasetReference.Open("parquet:" + _dir.File("nothing-here")));
        var noParquet = Assert.Throws<DataFormatException>(() => DatasetReference.Open("parquet:" + empty));
        var noMatch = Assert.Throws<DataFormatException>(() => DatasetReference.Open($"parquet:{empty}/train-*.parquet"));
        var column = Assert.Throws<DataFormatException>(() => DatasetReference.Open($"parquet:{WriteBad("no-metadata")}?image=photo&label=label"));

        Assert.Contains("not found (expected a job directory, a Parquet file, a folder of *.parquet files, or a glob", missing.Message);
        Assert.Contains("no *.parquet files in this folder, and no manifest.json", noParquet.Message);
        Assert.Contains("train-*.parquet: no file matches", noMatch.Message);
        Assert.Contains("no column 'photo' (columns: img, label)", column.Message);
    }

    [Fact]
    public void Job_directory_options_and_file_options_are_not_mixed()
    {
        var hub = _dir.File("hub.parquet");
        WriteRowsNumbered(hub, new ImageShape(1, 2, 2), first: 0, count: 2);

        var partialOnFiles = Assert.Throws<ArgumentException>(() => DatasetReference.Open($"parquet:{hub}?partial"));
        var imageOnJob = Assert.Throws<ArgumentException>(() => DatasetReference.Open($"parquet:{FixtureFiles.V1Job}?image=img"));

        Assert.Contains("unknown option 'partial' (known: image, label)", partialOnFiles.Message);
        Assert.Contains("unknown option 'image' (known: partial)", imageOnJob.Message);
    }

    private string WriteBad(string name)
    {
        var shape = new ImageShape(1, 2, 2);
        var png = PngCodec.Encode(new float[4], shape);
        var wide = PngCodec.Encode(new float[6], new ImageShape(1, 2, 3));
        var path = _dir.File(name + ".parquet");
        var features = HubParquet.Features(classNames: Names);
        List<HubParquet.Row> rows = name switch
        {
            "undecodable" => [new(png, 0), new(png, 1), new([0x89, 0x50, 0x4E, 0x47, 1, 2, 3], 2)],
            "label-too-large" => [new(png, 0), new(png, 3)],
            "label-negative" => [new(png, -1), new(png, 1)],
            "label-null" => [new(png, 0), new(png, null)],
            "image-null" => [new(png, 0), new(png, 1), new(null, 2)],
            "other-size" => [new(png, 0), new(wide, 1)],
            _ => [new(png, 0), new(png, 1)],
        };
        switch (name)
        {
            case "no-image-feature":
                HubParquet.Write(path, rows, """{"info":{"features":{"label":{"names":["zero","one","two"],"_type":"ClassLabel"}}}}""");
                break;
            case "no-metadata":
                HubParquet.Write(path, rows, huggingface: null);
                break;
            case "string-label":
                HubParquet.Write(path, rows, features, labelType: "VARCHAR");
                break;
            default:
                HubParquet.Write(path, rows, features);
                break;
        }
        return path;
    }

    /// <summary>Rows whose 2×2 grey image spells the row number (base 256, two pixels) and whose label is number % 3.</summary>
    private static void WriteRowsNumbered(string path, ImageShape shape, int first, int count, int rowGroupSize = 122_880) =>
        HubParquet.Write(path,
            Enumerable.Range(first, count).Select(n => new HubParquet.Row(PngCodec.Encode([(n % 256) / 255f, (n / 256) / 255f, 0f, 1f], shape), n % 3)).ToList(),
            HubParquet.Features(classNames: Names), rowGroupSize: rowGroupSize);

    private static int[] RowNumbers(IImageDataset data) => RowNumbers(data.ReadRange(0, (int)data.Count));

    private static int[] RowNumbers(ImageBatch batch) =>
        Enumerable.Range(0, batch.Count).Select(i => (int)MathF.Round(batch.Image(i)[0] * 255f) + 256 * (int)MathF.Round(batch.Image(i)[1] * 255f)).ToArray();

    /// <summary>Pillow's interleaved bytes as the planar levels of <paramref name="shape"/> (grey repeated for RGB).</summary>
    private static int[] Planar((string Mode, int Width, int Height, byte[] Pixels) pillow, ImageShape shape)
    {
        var plane = pillow.Width * pillow.Height;
        var channels = pillow.Mode == "L" ? 1 : 3;
        var result = new int[shape.Channels * plane];
        for (var p = 0; p < plane; p++)
            for (var c = 0; c < shape.Channels; c++)
                result[c * plane + p] = pillow.Pixels[p * channels + Math.Min(c, channels - 1)];
        return result;
    }

    private static float[][] RandomImages(int seed, int count, ImageShape shape)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, shape.Size).Select(_ => rng.NextSingle()).ToArray()).ToArray();
    }
}
