using StreamPipeline.Data.Jobs;
using StreamPipeline.Pipeline.Streaming;
using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Cli;

/// <summary>
/// The live view of a build on stderr: overall progress with images/s and ETA, then a line per stage (items, batches,
/// mean batch time, in flight) and the devices' busy share. Redrawn in place on a terminal; a plain line every
/// <see cref="PlainInterval"/> otherwise.
/// </summary>
public sealed class BuildView(string label, bool? interactive = null) : BuildObserver, IDisposable
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(10);
    private readonly bool _interactive = interactive ?? !Console.IsErrorRedirected;
    private readonly Lock _gate = new();
    private TimeSpan? _lastDraw;
    private int _linesDrawn;

    public override void OnStarted(BuildProgress progress)
    {
        var resumed = progress.RowsDoneAtStart > 0 ? $", resuming with {progress.RowsDoneAtStart:N0} rows already done" : "";
        Console.Error.WriteLine($"{label}: {progress.RowsTotal:N0} images in {progress.ShardsTotal} shards{resumed}");
    }

    public override void OnBatchPerturbed(BuildProgress progress) => Draw(progress, force: false);

    public override void OnShardCommitted(CommittedShard shard, BuildProgress progress) => Draw(progress, force: !_interactive ? false : true);

    /// <summary>Draws the final state and leaves the cursor below it.</summary>
    public void Finish(BuildProgress? progress)
    {
        if (progress is not null) Draw(progress, force: true);
        lock (_gate) _linesDrawn = 0;
    }

    public void Dispose() => Finish(null);

    private void Draw(BuildProgress progress, bool force)
    {
        lock (_gate)
        {
            var now = progress.Elapsed;
            var interval = _interactive ? TimeSpan.FromMilliseconds(250) : PlainInterval;
            if (!force && _lastDraw is { } last && now - last < interval) return;
            _lastDraw = now;
            var lines = Lines(progress);
            if (_interactive)
            {
                if (_linesDrawn > 0) Console.Error.Write($"\x1b[{_linesDrawn}A");
                foreach (var line in lines) Console.Error.Write("\r\x1b[2K" + line + "\n");
                _linesDrawn = lines.Count;
            }
            else
            {
                Console.Error.WriteLine(lines[0] + " | " + string.Join(" | ", lines.Skip(1)));
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
