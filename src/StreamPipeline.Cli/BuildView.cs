using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using StreamPipeline.Cli.Presentation;
using StreamPipeline.Data.Jobs;
using StreamPipeline.Pipeline.Streaming;
using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Cli;

/// <summary>
/// The live view of a build on stderr: images done (perturbed, counted from every run), smoothed images/s and ETA, the
/// shards committed, attack success, a row per stage with its own rate, and the devices' busy share. How it draws is
/// the <see cref="DisplayMode"/>: on a capable terminal a Spectre.Console live display redrawn in place at the
/// terminal's width; under NO_COLOR one line overwritten with a carriage return and cut to the width; piped or
/// TERM=dumb two short plain lines every <see cref="PlainInterval"/>; nothing with --quiet.
/// </summary>
public sealed class BuildView : BuildObserver, IDisposable
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan RateSpan = TimeSpan.FromSeconds(15);
    private static readonly PipelineStage[] Stages = Enum.GetValues<PipelineStage>();

    private readonly string _label;
    private readonly DisplayMode _mode;
    private readonly Lock _gate = new();
    private readonly RateWindow _images = new(RateSpan);
    private readonly Dictionary<PipelineStage, RateWindow> _stageRates = Stages.ToDictionary(s => s, _ => new RateWindow(RateSpan));
    private readonly System.Diagnostics.Stopwatch _sinceUpdate = new();
    private BuildProgress? _latest;
    private TimeSpan? _lastPlain;
    private int _overwriteWidth;
    private Task? _live;
    private CancellationTokenSource? _stopLive;

    public BuildView(string label, DisplayMode mode)
    {
        _label = label;
        _mode = mode;
    }

    public override void OnStarted(BuildProgress progress)
    {
        if (_mode == DisplayMode.Quiet)
            return;
        var resumed = progress.RowsDoneAtStart > 0 ? $", resuming with {progress.RowsDoneAtStart:N0} rows already done" : "";
        Console.Error.WriteLine($"{_label}: {progress.RowsTotal:N0} images in {progress.ShardsTotal} shards{resumed}");
        Update(progress);
        if (_mode == DisplayMode.Redraw && progress.RowsDone < progress.RowsTotal)
            StartLive();
    }

    public override void OnBatchPerturbed(BuildProgress progress) => Update(progress);

    public override void OnShardCommitted(CommittedShard shard, BuildProgress progress) => Update(progress);

    /// <summary>
    /// Draws the final state and leaves the cursor below it. <paramref name="final"/> is the pipeline's counters once the
    /// stream has ended (every stage settled, nothing in flight); the last progress callback came just before that.
    /// </summary>
    public void Finish(PipelineStats? final = null)
    {
        lock (_gate)
        {
            if (final is not null && _latest is not null)
                _latest = _latest with { Stats = final };
        }
        StopLive();
        lock (_gate)
        {
            if (_mode == DisplayMode.Overwrite && _overwriteWidth > 0)
            {
                DrawOverwrite(force: true);
                Console.Error.WriteLine();
                _overwriteWidth = 0;
            }
            else if (_mode == DisplayMode.Plain && _latest is not null && _lastPlain is not null)
            {
                DrawPlain(force: true);
            }
        }
    }

    public void Dispose() => Finish();

    private void Update(BuildProgress progress)
    {
        if (_mode == DisplayMode.Quiet)
            return;
        lock (_gate)
        {
            _latest = progress;
            _sinceUpdate.Restart();
            _images.Add(progress.Elapsed, progress.Stats.Perturb.Items);
            foreach (var stage in Stages)
                _stageRates[stage].Add(progress.Elapsed, progress.Stats.Stage(stage).Items);
            if (_mode == DisplayMode.Plain)
                DrawPlain(force: false);
            else if (_mode == DisplayMode.Overwrite)
                DrawOverwrite(force: false);
        }
    }

    // ---- what is shown -------------------------------------------------------------------------------------------

    /// <summary>Images done: committed by earlier runs plus perturbed in this one (a batch counts once it is back from its device).</summary>
    private static long ImagesDone(BuildProgress p) => Math.Min(p.RowsTotal, p.RowsDoneAtStart + p.Stats.Perturb.Items);

    private TimeSpan Elapsed(BuildProgress p) => p.Elapsed + _sinceUpdate.Elapsed;

    private string Eta(BuildProgress p)
    {
        var left = p.RowsTotal - ImagesDone(p);
        if (left <= 0)
            return "00:00";
        var rate = _images.PerSecond;
        return rate > 0 ? ProgressLine.Clock(TimeSpan.FromSeconds(left / rate)) : "--:--";
    }

    private static string Percent(long done, long total) => (total > 0 ? 100.0 * done / total : 0).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static string Share(double share) => (100 * share).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static string Rate(double perSecond) =>
        perSecond >= 100 ? perSecond.ToString("N0", CultureInfo.InvariantCulture) : perSecond.ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>This run's attack success; "--" until something was attacked (never a figure left from before).</summary>
    private static string Success(PipelineStats s) => s.AttackAttempts > 0 ? Share(s.AttackSuccessRate) : "--";

    private string Headline(BuildProgress p) =>
        $"{_label} {Percent(ImagesDone(p), p.RowsTotal)} {ImagesDone(p):N0}/{p.RowsTotal:N0} img, {Rate(_images.PerSecond)} img/s, " +
        $"eta {Eta(p)}, elapsed {ProgressLine.Clock(Elapsed(p))}";

    private string Devices(BuildProgress p)
    {
        var elapsed = Math.Max(1e-9, Elapsed(p).TotalSeconds);
        return string.Join(", ", p.Stats.DeviceBusySeconds.OrderBy(d => d.Key, StringComparer.Ordinal)
            .Select(d => $"{d.Key} busy {Share(Math.Min(1, d.Value / elapsed))}"));
    }

    private string Status(BuildProgress p) =>
        $"shards {p.ShardsDone}/{p.ShardsTotal} committed, attack success {Success(p.Stats)}, {Devices(p)}, " +
        $"retries {p.Stats.Retries}, splits {p.Stats.Splits}";

    // ---- how it draws --------------------------------------------------------------------------------------------

    /// <summary>Piped or TERM=dumb: the headline and one line of stage rates, each short, every <see cref="PlainInterval"/>.</summary>
    private void DrawPlain(bool force)
    {
        var p = _latest!;
        if (!force && _lastPlain is { } last && p.Elapsed - last < PlainInterval)
            return;
        _lastPlain = p.Elapsed;
        Console.Error.WriteLine(Headline(p));
        Console.Error.WriteLine($"  img/s {string.Join(" ", Stages.Select(s => $"{Name(s)} {Rate(_stageRates[s].PerSecond)}"))}; " +
                                $"shards {p.ShardsDone}/{p.ShardsTotal}; success {Success(p.Stats)}");
    }

    /// <summary>NO_COLOR on a terminal: one line rewritten with a carriage return, never wider than the terminal (a wrapped line could not be rewritten).</summary>
    private void DrawOverwrite(bool force)
    {
        var p = _latest!;
        if (!force && _lastPlain is { } last && p.Elapsed - last < RedrawInterval)
            return;
        _lastPlain = p.Elapsed;
        var width = Math.Max(20, Terminal.Width() - 1);
        var line = $"{Headline(p)}, shards {p.ShardsDone}/{p.ShardsTotal}, success {Success(p.Stats)}";
        if (line.Length > width)
            line = line[..width];
        Console.Error.Write("\r" + line + new string(' ', Math.Max(0, _overwriteWidth - line.Length)));
        _overwriteWidth = line.Length;
    }


    private static string Name(PipelineStage stage) => stage.ToString().ToLowerInvariant();

    /// <summary>The live display's content at the console's width: Spectre wraps and sizes it, so every line fits.</summary>
    private IRenderable Render()
    {
        lock (_gate)
        {
            var p = _latest!;
            var table = new Table().Border(TableBorder.Simple).BorderColor(Color.Grey)
                .AddColumn("stage").AddColumn(new TableColumn("img/s").RightAligned()).AddColumn(new TableColumn("batches").RightAligned())
                .AddColumn(new TableColumn("s/batch").RightAligned()).AddColumn(new TableColumn("in flight").RightAligned());
            foreach (var stage in Stages)
            {
                var s = p.Stats.Stage(stage);
                var mean = s.Batches > 0 ? s.Seconds / s.Batches : 0;
                table.AddRow(Name(stage), Rate(_stageRates[stage].PerSecond), s.Batches.ToString("N0", CultureInfo.InvariantCulture),
                    mean.ToString("0.000", CultureInfo.InvariantCulture), s.InFlight.ToString(CultureInfo.InvariantCulture));
            }
            return new Rows(
                new Markup($"[bold]{Markup.Escape(Headline(p))}[/]"),
                new Markup(Markup.Escape(Status(p))),
                table);
        }
    }

    private void StartLive()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.Detect,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(Console.Error),
        });
        _stopLive = new CancellationTokenSource();
        var stop = _stopLive.Token;
        _live = console.Live(Render()).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).Cropping(VerticalOverflowCropping.Bottom)
            .StartAsync(async context =>
            {
                while (!stop.IsCancellationRequested)
                {
                    context.UpdateTarget(Render());
                    try
                    {
                        await Task.Delay(RedrawInterval, stop).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
                // The final frame: drawn after the last commit, so no stage shows a batch in flight.
                context.UpdateTarget(Render());
            });
    }

    private void StopLive()
    {
        if (_live is null)
            return;
        _stopLive!.Cancel();
        try
        {
            _live.GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            // A terminal gone away must not fail the build.
        }
        _live = null;
        _stopLive.Dispose();
        _stopLive = null;
    }
}
