namespace StreamPipeline.Cli.Presentation;

/// <summary>
/// The rate of a growing count over the last <see cref="Window"/>, from the moments it changed (a device batch of
/// hundreds of images moves it in steps): steady between steps, following a change of speed within the window.
/// Before its second change it is the count over the time since the start.
/// </summary>
public sealed class RateWindow(TimeSpan window)
{
    private readonly LinkedList<(TimeSpan At, long Count)> _samples = new();

    public TimeSpan Window { get; } = window;

    /// <summary>Records <paramref name="count"/> at <paramref name="at"/> (time since the start); a count that did not change is ignored.</summary>
    public void Add(TimeSpan at, long count)
    {
        if (_samples.Last is { } last && last.Value.Count == count)
            return;
        _samples.AddLast((at, count));
        // Keep one sample at or before the window's start as the base of the rate.
        while (_samples.First!.Next is { } second && second.Value.At <= at - Window)
            _samples.RemoveFirst();
    }

    /// <summary>Per second; 0 before the count first moved.</summary>
    public double PerSecond
    {
        get
        {
            if (_samples.Last is not { } last || last.Value.Count == 0)
                return 0;
            var first = _samples.First!.Value;
            if (ReferenceEquals(_samples.First, _samples.Last))
                return last.Value.At > TimeSpan.Zero ? last.Value.Count / last.Value.At.TotalSeconds : 0;
            var seconds = (last.Value.At - first.At).TotalSeconds;
            return seconds > 0 ? (last.Value.Count - first.Count) / seconds : 0;
        }
    }
}
