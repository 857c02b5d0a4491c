using System.Diagnostics;

namespace StreamPipeline.Cli;

/// <summary>
/// A single, self-overwriting progress line on stderr with rate and ETA when stderr is a terminal;
/// occasional plain log lines otherwise (so CI logs and pipes stay readable).
/// </summary>
public sealed class ProgressLine : IDisposable
{
    private readonly string _label;
    private readonly string _unit;
    private readonly bool _interactive;
    private readonly TimeSpan _plainInterval;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private TimeSpan? _lastDraw;
    private int _lastWidth;

    public ProgressLine(string label, string unit = "img", bool? interactive = null, TimeSpan? plainInterval = null)
    {
        _label = label;
        _unit = unit;
        _interactive = interactive ?? !Console.IsErrorRedirected;
        _plainInterval = plainInterval ?? TimeSpan.FromSeconds(10);
    }

    /// <summary>Reports <paramref name="done"/> of <paramref name="total"/>; <paramref name="detail"/> is appended verbatim.</summary>
    public void Report(long done, long total, string? detail = null, bool force = false)
    {
        lock (_gate)
        {
            var now = _clock.Elapsed;
            var interval = _interactive ? TimeSpan.FromMilliseconds(200) : _plainInterval;
            if (!force && _lastDraw is { } last && now - last < interval) return;
            _lastDraw = now;
            var line = Format(done, total, now, detail);
            if (_interactive)
            {
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

    /// <summary>Writes a message line on stderr, below a progress line already drawn.</summary>
    public void Say(string message)
    {
        lock (_gate)
        {
            if (_interactive && _lastWidth > 0) Console.Error.WriteLine();
            _lastWidth = 0;
            Console.Error.WriteLine(message);
        }
    }

    /// <summary>Ends the line (terminal) so later output starts on a fresh line.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_interactive && _lastWidth > 0) Console.Error.WriteLine();
            _lastWidth = 0;
        }
    }

    private string Format(long done, long total, TimeSpan elapsed, string? detail)
    {
        var rate = elapsed.TotalSeconds > 0 ? done / elapsed.TotalSeconds : 0;
        var percent = total > 0 ? 100.0 * done / total : 0;
        var eta = rate > 0 && total > done ? TimeSpan.FromSeconds((total - done) / rate) : TimeSpan.Zero;
        var text = $"{_label}: {done:N0}/{total:N0} ({percent:F1}%) {rate:N1} {_unit}/s elapsed {Clock(elapsed)} eta {Clock(eta)}";
        return detail is null ? text : text + " " + detail;
    }

    public static string Clock(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}" : $"{t.Minutes:D2}:{t.Seconds:D2}";
}
