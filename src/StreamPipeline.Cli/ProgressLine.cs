using System.Diagnostics;
using StreamPipeline.Cli.Presentation;

namespace StreamPipeline.Cli;

/// <summary>
/// A single, self-overwriting progress line on stderr with rate and ETA when stderr is a terminal (a carriage return,
/// never an escape sequence); occasional plain log lines otherwise (pipes, CI logs, TERM=dumb); none with --quiet,
/// where only the <see cref="Say"/> lines appear.
/// </summary>
public sealed class ProgressLine : IDisposable
{
    private readonly string _label;
    private readonly string _unit;
    private readonly DisplayMode _mode;
    private readonly TimeSpan _plainInterval;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private TimeSpan? _lastDraw;
    private int _lastWidth;

    public ProgressLine(string label, DisplayMode mode, string unit = "img", TimeSpan? plainInterval = null)
    {
        _label = label;
        _unit = unit;
        _mode = mode;
        _plainInterval = plainInterval ?? TimeSpan.FromSeconds(10);
    }

    /// <summary>Reports <paramref name="done"/> of <paramref name="total"/>; <paramref name="detail"/> is appended verbatim.</summary>
    public void Report(long done, long total, string? detail = null, bool force = false)
    {
        if (_mode == DisplayMode.Quiet)
            return;
        lock (_gate)
        {
            var now = _clock.Elapsed;
            var interval = InPlace ? TimeSpan.FromMilliseconds(200) : _plainInterval;
            if (!force && _lastDraw is { } last && now - last < interval) return;
            _lastDraw = now;
            var line = Format(done, total, now, detail);
            if (InPlace)
            {
                // A line wider than the terminal wraps, and a carriage return then rewrites only its last part.
                line = Fit(line, Math.Max(20, Terminal.Width() - 1));
                var pad = Math.Max(0, _lastWidth - line.Length);
                Console.Error.Write("\r" + line + new string(' ', pad));
                _lastWidth = line.Length;
            }
            else
            {
                Console.Error.WriteLine(line);
            }
        }
    }

    /// <summary>Overwrites its line in place (terminal); otherwise each report is a line of its own.</summary>
    private bool InPlace => _mode is DisplayMode.Redraw or DisplayMode.Overwrite;

    /// <summary>Writes a message line on stderr, below a progress line already drawn.</summary>
    public void Say(string message)
    {
        lock (_gate)
        {
            if (InPlace && _lastWidth > 0) Console.Error.WriteLine();
            _lastWidth = 0;
            Console.Error.WriteLine(message);
        }
    }

    /// <summary>Ends the line (terminal) so later output starts on a fresh line.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (InPlace && _lastWidth > 0) Console.Error.WriteLine();
            _lastWidth = 0;
        }
    }

    private string Format(long done, long total, TimeSpan elapsed, string? detail)
    {
        var rate = elapsed.TotalSeconds > 0 ? done / elapsed.TotalSeconds : 0;
        var percent = total > 0 ? 100.0 * done / total : 0;
        var eta = rate > 0 && total > done ? TimeSpan.FromSeconds((total - done) / rate) : TimeSpan.Zero;
        var text = $"{_label}: {done:N0}/{total:N0} ({percent:F1}%) {rate:N1} {_unit}/s eta {Clock(eta)} elapsed {Clock(elapsed)}";
        return detail is null ? text : text + " " + detail;
    }

    /// <summary>The line cut to <paramref name="width"/>: the elapsed clock goes first, then the end of the line.</summary>
    private static string Fit(string line, int width)
    {
        if (line.Length <= width)
            return line;
        var elapsed = line.IndexOf(" elapsed ", StringComparison.Ordinal);
        if (elapsed >= 0)
        {
            var end = line.IndexOf(' ', elapsed + " elapsed ".Length);
            line = end < 0 ? line[..elapsed] : line[..elapsed] + line[end..];
        }
        return line.Length <= width ? line : line[..width];
    }


    public static string Clock(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}" : $"{t.Minutes:D2}:{t.Seconds:D2}";
}
