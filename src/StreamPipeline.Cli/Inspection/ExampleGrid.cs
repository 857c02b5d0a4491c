using System.Globalization;
using StreamPipeline.Data;
using StreamPipeline.Data.Parquet;
using StreamPipeline.Data.Files;
using StreamPipeline.Data.Jobs;

namespace StreamPipeline.Cli.Inspection;

/// <summary>
/// Renders examples of a job as a PNG grid: per row the source image, the constructed image and their amplified
/// difference, upscaled, with the source and new label written next to them. Examples are the first rows of shards
/// spread over the committed ones; their source images are read from the job's source dataset by <c>index</c>.
/// </summary>
public static class ExampleGrid
{
    public const int Margin = 8;
    public const int Gap = 6;
    /// <summary>Space between the difference image and the text, wider than <see cref="Gap"/> so the text does not cling to the image.</summary>
    public const int TextGap = 12;
    public const int TextScale = 2;

    /// <summary>Target size of an upscaled image when <see cref="GridSettings.Scale"/> is not set.</summary>
    private const int TargetPixels = 72;

    private static readonly Rgb Background = new(0.16f, 0.18f, 0.22f);
    private static readonly Rgb LegendColour = Rgb.Grey(0.85f);
    private static readonly Rgb SameLabelColour = Rgb.Grey(0.95f);
    private static readonly Rgb NewLabelColour = new(1f, 0.65f, 0.2f);
    private static readonly Rgb DetailColour = new(0.6f, 0.65f, 0.72f);

    private static int LineHeight => BitmapFont.GlyphHeight * TextScale + 4;

    /// <summary>The legend drawn at the top of the grid, one entry per line.</summary>
    public static IReadOnlyList<string> Legend(GridSettings settings) =>
    [
        $"source | constructed | diff x{settings.DiffGain.ToString("0.##", CultureInfo.InvariantCulture)}",
        "labels: source -> new",
    ];

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

    /// <summary>Reads the planned examples (one shard file at a time) and their source images, and renders the grid.</summary>
    /// <exception cref="UsageException">No shard is committed yet.</exception>
    /// <exception cref="DataFormatException">A shard or the source dataset does not match the manifest (wrong --data-root?).</exception>
    public static async Task<GridImage> BuildAsync(string jobDir, Manifest manifest, IImageDataset source, GridSettings settings, CancellationToken ct = default)
    {
        settings = settings.Validated();
        var done = manifest.DoneShards.ToArray();
        if (done.Length == 0)
            throw new UsageException($"--grid: job {jobDir} has no committed shard yet; nothing to show");

        var examples = new List<GridExample>();
        ImageShape? shape = null;
        foreach (var (shard, take) in Plan(done, settings.Rows))
        {
            ct.ThrowIfCancellationRequested();
            var path = ShardFiles.PathOf(jobDir, shard);
            ShardFiles.RequireIntact(jobDir, shard);
            // One whole shard at a time; only the few rows shown are kept.
            var contents = await ParquetShardReader.ReadAsync(path, ct).ConfigureAwait(false);
            JobInspector.CheckBelongs(path, ConstructedDatasetMetadata.Parse(contents.Metadata, path), contents.Rows.Count, shard, manifest);
            if (contents.Shape != source.Shape)
                throw new DataFormatException($"{path}: images are {contents.Shape}, the source dataset {source.Reference} has {source.Shape}");
            shape ??= contents.Shape;
            foreach (var row in contents.Rows.Take(take))
                examples.Add(new GridExample(shard.Id, row, SourceImage(source, row, path)));
        }
        return Render(examples, shape!, settings);
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

    private sealed record GridExample(int Shard, ConstructedRow Row, float[] Source);

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

    private static GridImage Render(IReadOnlyList<GridExample> examples, ImageShape shape, GridSettings settings)
    {
        var scale = settings.Scale ?? Math.Clamp((TargetPixels + Math.Max(shape.Height, shape.Width) - 1) / Math.Max(shape.Height, shape.Width), 1, 8);
        int cellWidth = shape.Width * scale, cellHeight = shape.Height * scale;
        var texts = examples.Select(e => Texts(e.Row)).ToArray();
        var legend = Legend(settings);

        var textLeft = Margin + 3 * cellWidth + 2 * Gap + TextGap;
        var textWidth = texts.SelectMany(t => t).Max(t => BitmapFont.MeasureWidth(t, TextScale));
        var legendWidth = legend.Max(t => BitmapFont.MeasureWidth(t, TextScale));
        var rowHeight = Math.Max(cellHeight, 3 * LineHeight);
        var top = Margin + legend.Count * LineHeight + Gap;
        var width = Math.Max(textLeft + textWidth, Margin + legendWidth) + Margin;
        var height = top + examples.Count * rowHeight + (examples.Count - 1) * Gap + Margin;

        var canvas = new RgbCanvas(width, height, Background);
        for (var i = 0; i < legend.Count; i++)
            canvas.DrawText(legend[i], Margin, Margin + i * LineHeight, TextScale, LegendColour);

        var rows = new List<GridRow>(examples.Count);
        var diff = new float[shape.Size];
        for (var i = 0; i < examples.Count; i++)
        {
            var (example, y) = (examples[i], top + i * (rowHeight + Gap));
            var row = example.Row;
            var pixels = row.Pixels.Span;
            var lefts = new[] { Margin, Margin + cellWidth + Gap, Margin + 2 * (cellWidth + Gap) };
            for (var p = 0; p < diff.Length; p++)
                diff[p] = 0.5f + settings.DiffGain * (pixels[p] - example.Source[p]);
            canvas.DrawImage(example.Source, shape, lefts[0], y, scale);
            canvas.DrawImage(pixels, shape, lefts[1], y, scale);
            canvas.DrawImage(diff, shape, lefts[2], y, scale);
            var labelColour = row.Label == row.SourceLabel ? SameLabelColour : NewLabelColour;
            canvas.DrawText(texts[i][0], textLeft, y, TextScale, labelColour);
            canvas.DrawText(texts[i][1], textLeft, y + LineHeight, TextScale, DetailColour);
            canvas.DrawText(texts[i][2], textLeft, y + 2 * LineHeight, TextScale, DetailColour);
            rows.Add(new GridRow(example.Shard, row.Index, row.SourceLabel, row.Label, row.AttackSuccess, row.Distance, y, lefts[0], lefts[1], lefts[2]));
        }
        return new GridImage(PngCodec.Encode(canvas.Pixels, canvas.Shape), width, height, scale, shape, rows);
    }

    /// <summary>The text beside an example: the labels, its source index, its distance and whether the attack succeeded.</summary>
    private static string[] Texts(ConstructedRow row) =>
    [
        string.Create(CultureInfo.InvariantCulture, $"{row.SourceLabel} -> {row.Label}"),
        string.Create(CultureInfo.InvariantCulture, $"idx {row.Index}"),
        string.Create(CultureInfo.InvariantCulture, $"d {row.Distance:0.00} {(row.AttackSuccess ? "ok" : "miss")}"),
    ];
}
