using StreamPipeline.Cli.Presentation;
using StreamPipeline.Data.Jobs;
using StreamPipeline.Pipeline.Streaming;
using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Cli;

/// <summary>
/// The live view of a build on stderr: overall progress with images/s and ETA, then a line per stage (items, batches,
/// mean batch time, in flight) and the devices' busy share. How it draws is the <see cref="DisplayMode"/>: redrawn in
/// place on a capable terminal, the headline overwritten with a carriage return under NO_COLOR, a plain line every
/// <see cref="PlainInterval"/> otherwise, nothing with --quiet.
/// </summary>
public sealed class BuildView(string label, DisplayMode mode) : BuildObserver, IDisposable
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(10);
    private readonly Lock _gate = new();
    private TimeSpan? _lastDraw;
    private int _linesDrawn;
    private int _lastWidth;

    private bool InPlace => mode is DisplayMode.Redraw or DisplayMode.Overwrite;

    public override void OnStarted(BuildProgress progress)
    {
        if (mode == DisplayMode.Quiet)
            return;
        var resumed = progress.RowsDoneAtStart > 0 ? $", resuming with {progress.RowsDoneAtStart:N0} rows already done" : "";
        Console.Error.WriteLine($"{label}: {progress.RowsTotal:N0} images in {progress.ShardsTotal} shards{resumed}");
    }

    public override void OnBatchPerturbed(BuildProgress progress) => Draw(progress, force: false);

    public override void OnShardCommitted(CommittedShard shard, BuildProgress progress) => Draw(progress, force: InPlace);

    /// <summary>Draws the final state and leaves the cursor below it.</summary>
    public void Finish(BuildProgress? progress)
    {
        if (progress is not null) Draw(progress, force: true);
        lock (_gate)
        {
            if (mode == DisplayMode.Overwrite && _lastWidth > 0) Console.Error.WriteLine();
            _linesDrawn = 0;
            _lastWidth = 0;
        }
    }

    public void Dispose() => Finish(null);

    private void Draw(BuildProgress progress, bool force)
    {
        if (mode == DisplayMode.Quiet)
            return;
        lock (_gate)
        {
            var now = progress.Elapsed;
            var interval = InPlace ? TimeSpan.FromMilliseconds(250) : PlainInterval;
            if (!force && _lastDraw is { } last && now - last < interval) return;
            _lastDraw = now;
            var lines = Lines(progress);
            switch (mode)
            {
                case DisplayMode.Redraw:
                    if (_linesDrawn > 0) Console.Error.Write($"\x1b[{_linesDrawn}A");
                    foreach (var line in lines) Console.Error.Write("\r\x1b[2K" + line + "\n");
                    _linesDrawn = lines.Count;
                    break;
                case DisplayMode.Overwrite:
                    // Only the headline: without cursor movement a carriage return can rewrite one line, not several.
                    Console.Error.Write("\r" + lines[0] + new string(' ', Math.Max(0, _lastWidth - lines[0].Length)));
                    _lastWidth = lines[0].Length;
                    break;
                default:
                    Console.Error.WriteLine(lines[0] + " | " + string.Join(" | ", lines.Skip(1)));
                    break;
            }
        }
    }

    private List<string> Lines(BuildProgress p)
    {
        var percent = p.RowsTotal > 0 ? 100.0 * p.RowsDone / p.RowsTotal : 0;
        var eta = p.EstimatedRemaining is { } r ? ProgressLine.Clock(r) : "--:--";
        var stats = p.Stats;
        var lines = new List<string>
        {
            $"{label}: {p.RowsDone:N0}/{p.RowsTotal:N0} images ({percent:F1}%), shards {p.ShardsDone}/{p.ShardsTotal}, " +
            $"{p.RowsPerSecond:N1} img/s, elapsed {ProgressLine.Clock(p.Elapsed)}, eta {eta}, attack success {stats.AttackSuccessRate:P1}",
        };
        foreach (var stage in Enum.GetValues<PipelineStage>())
        {
            var s = stats.Stage(stage);
            var mean = s.Batches > 0 ? s.Seconds / s.Batches : 0;
            lines.Add($"  {stage.ToString().ToLowerInvariant(),-8} {s.Items,10:N0} items {s.Batches,7:N0} batches  {mean,8:F3} s/batch  in flight {s.InFlight}");
        }
        var elapsed = Math.Max(1e-9, p.Elapsed.TotalSeconds);
        var devices = string.Join(", ", stats.DeviceBusySeconds.Select(d => $"{d.Key} busy {d.Value / elapsed:P0}"));
        lines.Add($"  devices  {devices}  retries {stats.Retries} splits {stats.Splits}");
        return lines;
    }
}
