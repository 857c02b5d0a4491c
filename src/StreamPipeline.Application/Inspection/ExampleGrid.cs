using System.Globalization;
using SkiaSharp;
using StreamPipeline.Data;
using StreamPipeline.Data.Parquet;
using StreamPipeline.Data.Files;
using StreamPipeline.Data.Jobs;

namespace StreamPipeline.Application.Inspection;

/// <summary>
/// Renders examples of a job as a PNG grid, drawn with SkiaSharp (the drawing stack of the report's plots) in a real
/// font, a legend on top saying what each column and number is. D_det/D_rand: per row the source image, the constructed
/// image and their amplified difference, with "source class → label trained on", the index, the L2 distance and whether
/// the model reached the target. D_R/D_NR: the start image x0, the constructed image, the source image whose label and
/// representation were targeted, and the amplified difference from x0, with the label, both indices and the relative
/// representation distance. Examples are the first rows of shards spread over the committed ones; source and start
/// images are read from the job's source dataset by index. Image cells are exact (nearest-neighbour upscaling).
/// </summary>
public static class ExampleGrid
{
    public const int Margin = 10;
    public const int Gap = 6;
    /// <summary>Space between the last image and the text, wider than <see cref="Gap"/> so the text does not cling to the image.</summary>
    public const int TextGap = 12;

    /// <summary>Text size in pixels, and the distance between two lines of text.</summary>
    public const float FontSize = 14;
    private const int LineHeight = 18;

    /// <summary>Target size of an upscaled image when <see cref="GridSettings.Scale"/> is not set.</summary>
    private const int TargetPixels = 72;

    private static readonly SKColor Background = new(41, 46, 56);
    private static readonly SKColor LegendColour = new(217, 217, 217);
    private static readonly SKColor SameLabelColour = new(242, 242, 242);
    private static readonly SKColor NewLabelColour = new(255, 166, 51);
    private static readonly SKColor DetailColour = new(153, 166, 184);

    /// <summary>The legend drawn at the top of the grid of a <paramref name="kind"/> dataset: what each column and each number is.</summary>
    public static IReadOnlyList<string> Legend(ConstructionKind kind, GridSettings settings)
    {
        var gain = settings.DiffGain.ToString("0.##", CultureInfo.InvariantCulture);
        return kind.IsRepresentationMatching()
            ?
            [
                $"{Names.Paper(kind)}: start x0 | constructed x_r | source x (label and representation targeted) | {gain}×(x_r − x0) around grey",
                "label: trained on (the source's); d = ‖g(x_r) − g(x)‖ / ‖g(x)‖, the relative distance of the model's representations;",
                $"matched: d below the job's threshold ({(kind == ConstructionKind.Robust ? "robust" : "standard")} model's g)",
            ]
            :
            [
                $"{Names.Paper(kind)}: source x | constructed x_adv | {gain}×(x_adv − x) around grey",
                "source class → label trained on (the attack's target); d = ‖x_adv − x‖₂;",
                "reached: the standard model classifies x_adv as the target",
            ];
    }

    /// <summary>
    /// How many of the first rows of which committed shards to show: with more shards than rows, one row from each of
    /// <paramref name="rows"/> shards spread evenly; otherwise rows dealt round-robin over all committed shards.
    /// </summary>
    public static IReadOnlyList<(ShardEntry Shard, int Take)> Plan(IReadOnlyList<ShardEntry> done, int rows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        var shards = done.Count > rows
            ? Enumerable.Range(0, rows).Select(i => done[(int)((long)i * done.Count / rows)]).ToArray()
            : done.ToArray();
        var take = new int[shards.Length];
        for (var left = rows; left > 0;)
        {
            var dealt = false;
            for (var j = 0; j < shards.Length && left > 0; j++)
            {
                if (take[j] >= shards[j].Rows) continue;
                take[j]++;
                left--;
                dealt = true;
            }
            if (!dealt) break; // fewer committed rows than asked for
        }
        return shards.Select((s, j) => (s, take[j])).Where(p => p.Item2 > 0).ToArray();
    }

    /// <summary>Reads the planned examples (one shard file at a time) and their source (and start) images, and renders the grid.</summary>
    /// <exception cref="UsageException">No shard is committed yet.</exception>
    /// <exception cref="DataFormatException">A shard or the source dataset does not match the manifest (wrong --data-root?).</exception>
    public static async Task<GridImage> BuildAsync(string jobDir, Manifest manifest, IImageDataset source, GridSettings settings, CancellationToken ct = default)
    {
        settings = settings.Validated();
        var done = manifest.DoneShards.ToArray();
        if (done.Length == 0)
            throw new ArgumentException($"--grid: job {jobDir} has no committed shard yet; nothing to show");

        var kind = Names.Construction.Parse(JobProgress.From(Path.GetFullPath(jobDir), manifest).Construction);
        var examples = new List<GridExample>();
        ImageShape? shape = null;
        IReadOnlyList<string>? classNames = null;
        foreach (var (shard, take) in Plan(done, settings.Rows))
        {
            ct.ThrowIfCancellationRequested();
            var path = ShardFiles.PathOf(jobDir, shard);
            ShardFiles.RequireIntact(jobDir, shard);
            // One whole shard at a time; only the few rows shown are kept.
            var contents = await ParquetShardReader.ReadAsync(path, ct).ConfigureAwait(false);
            var metadata = ConstructedDatasetMetadata.Parse(contents.Metadata, path);
            JobInspector.CheckBelongs(path, metadata, contents.Rows.Count, shard, manifest);
            if (contents.Shape != source.Shape)
                throw new DataFormatException($"{path}: images are {contents.Shape}, the source dataset {source.Reference} has {source.Shape}");
            shape ??= contents.Shape;
            classNames ??= metadata.ClassNames;
            foreach (var row in contents.Rows.Take(take))
            {
                var start = kind.IsRepresentationMatching() && row.StartIndex is { } s ? StartImage(source, s, path) : ((float[], int)?)null;
                examples.Add(new GridExample(shard.Id, row, SourceImage(source, row, path), start?.Item1, start?.Item2));
            }
        }
        return Render(kind, examples, shape!, classNames!, settings);
    }

    /// <summary>Writes the grid's PNG atomically (temporary file, fsync, rename).</summary>
    public static void Write(string path, GridImage grid)
    {
        CheckDestination(path);
        AtomicFile.WriteAllBytes(path, grid.Png);
    }

    /// <summary>Fails early, before any reading, when the grid cannot be written where asked.</summary>
    public static void CheckDestination(string path)
    {
        if (Directory.Exists(path) || path.EndsWith('/'))
            throw new ArgumentException($"--grid {path} is a directory; name the PNG file to write, e.g. {Path.Combine(path, "grid.png")}");
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"--grid: folder {folder} does not exist");
    }

    private sealed record GridExample(int Shard, ConstructedRow Row, float[] Source, float[]? Start, int? StartLabel);

    private static float[] SourceImage(IImageDataset source, ConstructedRow row, string path)
    {
        if (row.Index < 0 || row.Index >= source.Count)
            throw new DataFormatException($"{path}: row index {row.Index} is outside the source dataset {source.Reference} ({source.Count} examples)");
        var batch = source.ReadRange(row.Index, 1);
        // The labels must agree, else the images shown as "source" would not be this row's source (e.g. a wrong --data-root).
        if (batch.Labels[0] != row.SourceLabel)
            throw new DataFormatException(
                $"{path}: example {row.Index} has source label {row.SourceLabel}, but {source.Reference} labels it {batch.Labels[0]}: not the job's source data (check --data-root)");
        return batch.Pixels;
    }

    private static (float[] Pixels, int Label) StartImage(IImageDataset source, long index, string path)
    {
        if (index < 0 || index >= source.Count)
            throw new DataFormatException($"{path}: start index {index} is outside the source dataset {source.Reference} ({source.Count} examples)");
        var batch = source.ReadRange(index, 1);
        return (batch.Pixels, batch.Labels[0]);
    }

    private static string Name(IReadOnlyList<string> classNames, int label) =>
        label >= 0 && label < classNames.Count ? classNames[label] : label.ToString(CultureInfo.InvariantCulture);

    /// <summary>The text beside an example, line by line.</summary>
    private static string[] Texts(ConstructionKind kind, GridExample example, IReadOnlyList<string> classNames)
    {
        var row = example.Row;
        var inv = CultureInfo.InvariantCulture;
        if (!kind.IsRepresentationMatching())
            return
            [
                $"{Name(classNames, row.SourceLabel)} → {Name(classNames, row.Label)}",
                string.Create(inv, $"source #{row.Index}"),
                string.Create(inv, $"d {row.Distance:0.00}, {(row.AttackSuccess ? "reached" : "not reached")}"),
            ];
        return
        [
            $"label {Name(classNames, row.Label)}",
            row.StartIndex is { } s
                ? string.Create(inv, $"x0 #{s} ({Name(classNames, example.StartLabel ?? -1)}), source #{row.Index}")
                : string.Create(inv, $"x0 noise, source #{row.Index}"),
            string.Create(inv, $"d {row.Distance:0.000}, {(row.AttackSuccess ? "matched" : "not matched")}"),
        ];
    }

    private static GridImage Render(ConstructionKind kind, IReadOnlyList<GridExample> examples, ImageShape shape, IReadOnlyList<string> classNames,
        GridSettings settings)
    {
        var scale = settings.Scale ?? Math.Clamp((TargetPixels + Math.Max(shape.Height, shape.Width) - 1) / Math.Max(shape.Height, shape.Width), 1, 8);
        int cellWidth = shape.Width * scale, cellHeight = shape.Height * scale;
        var matching = kind.IsRepresentationMatching();
        var columns = matching ? 4 : 3;
        var texts = examples.Select(e => Texts(kind, e, classNames)).ToArray();
        var legend = Legend(kind, settings);

        using var typeface = SKTypeface.FromFamilyName(TextFont.Family());
        using var font = new SKFont(typeface, FontSize);
        var lefts = Enumerable.Range(0, columns).Select(c => Margin + c * (cellWidth + Gap)).ToArray();
        var textLeft = lefts[^1] + cellWidth + TextGap;
        var textWidth = (int)Math.Ceiling(texts.SelectMany(t => t).Max(t => font.MeasureText(t)));
        var legendWidth = (int)Math.Ceiling(legend.Max(t => font.MeasureText(t)));
        var rowHeight = Math.Max(cellHeight, 3 * LineHeight);
        var top = Margin + legend.Count * LineHeight + Gap;
        var width = Math.Max(textLeft + textWidth, Margin + legendWidth) + Margin;
        var height = top + examples.Count * rowHeight + (examples.Count - 1) * Gap + Margin;

        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(Background);
            using var paint = new SKPaint { IsAntialias = true };
            void Text(string text, int x, int lineTop, SKColor colour)
            {
                paint.Color = colour;
                canvas.DrawText(text, x, lineTop + FontSize, SKTextAlign.Left, font, paint);
            }
            for (var i = 0; i < legend.Count; i++)
                Text(legend[i], Margin, Margin + i * LineHeight, LegendColour);
            for (var i = 0; i < examples.Count; i++)
            {
                var row = examples[i].Row;
                var y = top + i * (rowHeight + Gap);
                Text(texts[i][0], textLeft, y, row.Label == row.SourceLabel ? SameLabelColour : NewLabelColour);
                Text(texts[i][1], textLeft, y + LineHeight, DetailColour);
                Text(texts[i][2], textLeft, y + 2 * LineHeight, DetailColour);
            }
        }

        // Images go in last, pixel by pixel: exact values, whatever the text's anti-aliasing did around them.
        var rows = new List<GridRow>(examples.Count);
        var diff = new float[shape.Size];
        for (var i = 0; i < examples.Count; i++)
        {
            var (example, y) = (examples[i], top + i * (rowHeight + Gap));
            var row = example.Row;
            var pixels = row.Pixels.Span;
            var origin = matching ? example.Start : example.Source;
            for (var p = 0; p < diff.Length; p++)
                diff[p] = origin is null ? 0.5f : 0.5f + settings.DiffGain * (pixels[p] - origin[p]);
            int sourceLeft, constructedLeft, diffLeft;
            int? startLeft = null;
            if (matching)
            {
                (startLeft, constructedLeft, sourceLeft, diffLeft) = (lefts[0], lefts[1], lefts[2], lefts[3]);
                DrawImage(bitmap, example.Start, shape, lefts[0], y, scale);
            }
            else
            {
                (sourceLeft, constructedLeft, diffLeft) = (lefts[0], lefts[1], lefts[2]);
            }
            DrawImage(bitmap, example.Source, shape, sourceLeft, y, scale);
            DrawImage(bitmap, pixels, shape, constructedLeft, y, scale);
            DrawImage(bitmap, diff, shape, diffLeft, y, scale);
            rows.Add(new GridRow(example.Shard, row.Index, row.SourceLabel, row.Label, row.AttackSuccess, row.Distance, y, sourceLeft, constructedLeft, diffLeft)
            {
                SourceName = Name(classNames, row.SourceLabel),
                LabelName = Name(classNames, row.Label),
                StartIndex = matching ? row.StartIndex : null,
                StartLeft = startLeft,
                Lines = texts[i],
            });
        }
        return new GridImage(PngCodec.Encode(Pixels(bitmap), new ImageShape(3, height, width)), width, height, scale, shape, rows) { Legend = legend };
    }

    /// <summary>Draws a C×H×W image in [0,1] (grey or RGB) upscaled by <paramref name="scale"/>, nearest neighbour; null draws mid-grey (a noise start).</summary>
    private static void DrawImage(SKBitmap bitmap, ReadOnlySpan<float> chw, ImageShape shape, int left, int top, int scale)
    {
        var plane = shape.Height * shape.Width;
        var (g, b) = shape.Channels == 1 ? (0, 0) : (plane, 2 * plane);
        for (var y = 0; y < shape.Height * scale; y++)
        for (var x = 0; x < shape.Width * scale; x++)
        {
            var p = y / scale * shape.Width + x / scale;
            var colour = chw.IsEmpty
                ? new SKColor(128, 128, 128)
                : new SKColor(PngCodec.Quantize(chw[p]), PngCodec.Quantize(chw[g + p]), PngCodec.Quantize(chw[b + p]));
            bitmap.SetPixel(left + x, top + y, colour);
        }
    }

    private static void DrawImage(SKBitmap bitmap, float[]? chw, ImageShape shape, int left, int top, int scale) =>
        DrawImage(bitmap, chw is null ? ReadOnlySpan<float>.Empty : chw.AsSpan(), shape, left, top, scale);

    /// <summary>The bitmap as C×H×W floats, each channel byte / 255 (what <see cref="PngCodec.Encode"/> quantizes back exactly).</summary>
    private static float[] Pixels(SKBitmap bitmap)
    {
        var (width, height) = (bitmap.Width, bitmap.Height);
        var chw = new float[3 * width * height];
        for (var y = 0; y < height; y++)
        for (var x = 0; x < width; x++)
        {
            var colour = bitmap.GetPixel(x, y);
            var p = y * width + x;
            chw[p] = colour.Red / 255f;
            chw[width * height + p] = colour.Green / 255f;
            chw[2 * width * height + p] = colour.Blue / 255f;
        }
        return chw;
    }
}
