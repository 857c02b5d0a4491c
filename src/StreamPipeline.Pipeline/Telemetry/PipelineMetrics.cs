using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace StreamPipeline.Pipeline.Telemetry;

/// <summary>
/// The pipeline's instruments on one <see cref="Meter"/> named <c>StreamPipeline</c> (created once, low-cardinality
/// tags: stage, device, construction). Every figure is recorded once, on its instrument; <see cref="Snapshot"/> (the
/// live view, the build result) is a <see cref="MeterListener"/> over the same instruments, so the view and the
/// exporters cannot disagree. Thread-safe. Collect with an OpenTelemetry MeterProvider: <c>.AddMeter(PipelineMetrics.MeterName)</c>.
/// </summary>
public sealed class PipelineMetrics : IDisposable
{
    public const string MeterName = "StreamPipeline";

    /// <summary>Histogram buckets in seconds: device batches take from milliseconds to minutes.</summary>
    public static IReadOnlyList<double> BatchDurationBuckets { get; } =
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

    private static readonly string[] StageNames = ["load", "perturb", "relabel", "persist"];

    private readonly Meter _meter;
    private readonly MeterListener _listener;
    private readonly Counter<long> _items;
    private readonly Counter<long> _batches;
    private readonly Histogram<double> _batchDuration;
    private readonly UpDownCounter<long> _inFlight;
    private readonly ObservableCounter<double> _deviceBusy;
    private readonly Counter<long> _attackSuccess;
    private readonly Counter<long> _attackAttempts;
    private readonly Counter<long> _shardsCommitted;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _splits;
    private readonly Counter<long> _rowsWritten;
    private readonly Counter<long> _bytesWritten;

    // What the listener has seen (the snapshot's totals).
    private readonly long[] _stageItems = new long[4];
    private readonly long[] _stageBatches = new long[4];
    private readonly long[] _stageInFlight = new long[4];
    private readonly long[] _stageTicks = new long[4];
    // Device busy time accrues while a batch runs (done + running), so any interval's share is at most 1 per worker.
    private readonly Lock _busyGate = new();
    private readonly Dictionary<string, long> _busyDoneTicks = new(StringComparer.Ordinal);
    private readonly Dictionary<long, (string Device, long Started)> _busyRunning = [];
    private long _busyIds;
    private Func<JobFigures>? _job;
    private long _collections;
    private long _shards;
    private long _rows;
    private long _bytes;
    private long _retryCount;
    private long _splitCount;
    private long _attempts;
    private long _successes;

    /// <param name="node">Tags every measurement with <c>node</c> (a cluster node's address); null for a single-process build.</param>
    public PipelineMetrics(string? node = null)
    {
        _meter = new Meter(MeterName, "1.0");
        _node = node;
        _items = _meter.CreateCounter<long>("stream_pipeline.stage.items", "{example}", "Examples through a stage");
        _batches = _meter.CreateCounter<long>("stream_pipeline.stage.batches", "{batch}", "Batches through a stage");
        _batchDuration = _meter.CreateHistogram(
            "stream_pipeline.stage.batch_duration", "s", "Time a batch spends in a stage", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = BatchDurationBuckets });
        _inFlight = _meter.CreateUpDownCounter<long>("stream_pipeline.stage.in_flight", "{batch}", "Batches inside a stage now");
        _deviceBusy = _meter.CreateObservableCounter("stream_pipeline.device.busy_time", ObserveBusy, "s",
            "Time a device spent perturbing batches, accrued while a batch runs");
        _attackSuccess = _meter.CreateCounter<long>("stream_pipeline.attack.success", "{example}", "Examples whose attack succeeded");
        _attackAttempts = _meter.CreateCounter<long>("stream_pipeline.attack.attempts", "{example}", "Examples attacked");
        _shardsCommitted = _meter.CreateCounter<long>("stream_pipeline.shards.committed", "{shard}", "Shards committed to the job directory");
        _retries = _meter.CreateCounter<long>("stream_pipeline.retries", "{batch}", "Batch attempts that failed and were retried");
        _splits = _meter.CreateCounter<long>("stream_pipeline.splits", "{batch}", "Batches split in halves after running out of device memory");
        _rowsWritten = _meter.CreateCounter<long>("stream_pipeline.rows.written", "{row}", "Rows in committed shards");
        _bytesWritten = _meter.CreateCounter<long>("stream_pipeline.bytes.written", "By", "Bytes of committed shard files");
        _meter.CreateObservableGauge("stream_pipeline.job.rows_committed", () => ObserveJob(j => j.RowsCommitted), "{row}",
            "Rows of the job committed so far, by every run (the manifest's count: survives a resume)");
        _meter.CreateObservableGauge("stream_pipeline.job.rows_total", () => ObserveJob(j => j.RowsTotal), "{row}", "Rows the job builds in all");
        _meter.CreateObservableGauge("stream_pipeline.job.shards_committed", () => ObserveJob(j => j.ShardsCommitted), "{shard}",
            "Shards of the job committed so far, by every run (the manifest's count)");
        _meter.CreateObservableGauge("stream_pipeline.job.shards_total", () => ObserveJob(j => j.ShardsTotal), "{shard}", "Shards the job builds in all");

        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, _meter))
                    listener.EnableMeasurementEvents(instrument);
            },
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.SetMeasurementEventCallback<double>(OnMeasurement);
        _listener.Start();
    }

    private volatile string? _node;

    /// <summary>The node every measurement is tagged with, or null.</summary>
    public string? Node => _node;

    /// <summary>
    /// Names the node from now on: a worker learns its port only once its actor system listens (an ephemeral port by
    /// default), and a new one with every reconnection; measurements taken after this carry the name the coordinator
    /// and <c>inspect</c> know it by.
    /// </summary>
    public void Identify(string node) => _node = node;

    /// <summary>Tags of a measurement: <paramref name="tags"/> plus <c>node</c> when this process is a cluster node.</summary>
    public TagList Tags(params ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var list = new TagList(tags);
        if (Node is not null)
            list.Add("node", Node);
        return list;
    }

    /// <summary>The one meter; other parts of the program (the cluster coordinator) create their instruments on it.</summary>
    public Meter Meter => _meter;

    /// <summary>
    /// Creates, at 0, every counter series a build of <paramref name="construction"/> on <paramref name="devices"/> will
    /// move (stage items, batches and in-flight, attack results, commits, each device's busy time, retries and splits),
    /// so an exporter shows all of them together from its first export after the job starts: a dashboard panel of a
    /// healthy job shows 0 retries, not "No data". The batch-duration histogram appears with the first batch (a 0
    /// would be a sample).
    /// </summary>
    public void DeclareBuild(string construction, IEnumerable<string> devices)
    {
        foreach (var stage in StageNames)
        {
            var tags = Tags(new("stage", stage), new("construction", construction));
            _items.Add(0, tags);
            _batches.Add(0, tags);
            _inFlight.Add(0, Tags(new KeyValuePair<string, object?>("stage", stage)));
        }
        var tag = Tags(new KeyValuePair<string, object?>("construction", construction));
        _attackAttempts.Add(0, tag);
        _attackSuccess.Add(0, tag);
        _shardsCommitted.Add(0, tag);
        _rowsWritten.Add(0, tag);
        _bytesWritten.Add(0, tag);
        foreach (var device in devices.Distinct(StringComparer.Ordinal))
        {
            var deviceTag = Tags(new KeyValuePair<string, object?>("device", device));
            lock (_busyGate)
                _busyDoneTicks.TryAdd(device, 0);
            _retries.Add(0, deviceTag);
            _splits.Add(0, deviceTag);
        }
    }

    /// <summary>A batch of <paramref name="items"/> examples left <paramref name="stage"/> after <paramref name="duration"/>.</summary>
    public void BatchCompleted(PipelineStage stage, string construction, int items, TimeSpan duration)
    {
        var tags = Tags(new("stage", StageNames[(int)stage]), new("construction", construction));
        _items.Add(items, tags);
        _batches.Add(1, tags);
        _batchDuration.Record(duration.TotalSeconds, Tags(new KeyValuePair<string, object?>("stage", StageNames[(int)stage])));
    }

    /// <summary>A batch entered (+1) or left (-1) <paramref name="stage"/>.</summary>
    public void InFlight(PipelineStage stage, int delta) =>
        _inFlight.Add(delta, Tags(new KeyValuePair<string, object?>("stage", StageNames[(int)stage])));

    /// <summary>
    /// <paramref name="device"/> is busy from now until the returned scope is disposed. The busy time is counted as it
    /// accrues (an export in the middle of a long batch sees the part already spent), never in one lump at the end, so
    /// the rate of <c>stream_pipeline.device.busy_time</c> over any interval is at most 1 per device worker.
    /// </summary>
    public IDisposable DeviceBusy(string device)
    {
        var id = Interlocked.Increment(ref _busyIds);
        lock (_busyGate)
            _busyRunning[id] = (device, Stopwatch.GetTimestamp());
        return new BusyScope(this, id);
    }

    /// <summary>
    /// Reports the job's progress from <paramref name="figures"/> (read at each export) on the <c>stream_pipeline.job.*</c>
    /// gauges; null stops them.
    /// </summary>
    public void ObserveJob(Func<JobFigures>? figures) => Volatile.Write(ref _job, figures);

    /// <summary>True while the job-level gauges report a job (a job directory was opened and not let go).</summary>
    public bool ObservesJob => Volatile.Read(ref _job) is not null;

    /// <summary>
    /// Waits until an exporter collects these instruments (a Prometheus scrape, a periodic export) once more, at most
    /// <paramref name="timeout"/>: true when it did. Lets a finished job's last figures reach a scraper.
    /// </summary>
    public bool WaitForCollection(TimeSpan timeout, CancellationToken ct = default)
    {
        var before = Interlocked.Read(ref _collections);
        var clock = Stopwatch.StartNew();
        while (Interlocked.Read(ref _collections) == before)
        {
            if (clock.Elapsed >= timeout || ct.IsCancellationRequested)
                return false;
            Thread.Sleep(20);
        }
        return true;
    }

    public void AttackResults(string construction, int attempts, int successes)
    {
        var tag = Tags(new KeyValuePair<string, object?>("construction", construction));
        _attackAttempts.Add(attempts, tag);
        _attackSuccess.Add(successes, tag);
    }

    public void ShardCommitted(string construction, long rows, long bytes)
    {
        var tag = Tags(new KeyValuePair<string, object?>("construction", construction));
        _shardsCommitted.Add(1, tag);
        _rowsWritten.Add(rows, tag);
        _bytesWritten.Add(bytes, tag);
    }

    /// <summary>A batch failed on <paramref name="device"/> and goes back to the queue.</summary>
    public void Retried(string device) => _retries.Add(1, Tags(new KeyValuePair<string, object?>("device", device)));

    /// <summary>A batch ran out of memory on <paramref name="device"/> and was split in halves.</summary>
    public void Split(string device) => _splits.Add(1, Tags(new KeyValuePair<string, object?>("device", device)));

    public PipelineStats Snapshot()
    {
        StageStats Stage(int i) => new(
            Interlocked.Read(ref _stageItems[i]), Interlocked.Read(ref _stageBatches[i]),
            Interlocked.Read(ref _stageInFlight[i]), TimeSpan.FromTicks(Interlocked.Read(ref _stageTicks[i])).TotalSeconds);
        return new PipelineStats(
            Stage(0), Stage(1), Stage(2), Stage(3),
            Interlocked.Read(ref _shards), Interlocked.Read(ref _rows), Interlocked.Read(ref _bytes),
            Interlocked.Read(ref _retryCount), Interlocked.Read(ref _splitCount),
            Interlocked.Read(ref _attempts), Interlocked.Read(ref _successes),
            BusySeconds());
    }

    public void Dispose()
    {
        _listener.Dispose();
        _meter.Dispose();
    }

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (ReferenceEquals(instrument, _items)) Interlocked.Add(ref _stageItems[StageOf(tags)], value);
        else if (ReferenceEquals(instrument, _batches)) Interlocked.Add(ref _stageBatches[StageOf(tags)], value);
        else if (ReferenceEquals(instrument, _inFlight)) Interlocked.Add(ref _stageInFlight[StageOf(tags)], value);
        else if (ReferenceEquals(instrument, _attackAttempts)) Interlocked.Add(ref _attempts, value);
        else if (ReferenceEquals(instrument, _attackSuccess)) Interlocked.Add(ref _successes, value);
        else if (ReferenceEquals(instrument, _shardsCommitted)) Interlocked.Add(ref _shards, value);
        else if (ReferenceEquals(instrument, _rowsWritten)) Interlocked.Add(ref _rows, value);
        else if (ReferenceEquals(instrument, _bytesWritten)) Interlocked.Add(ref _bytes, value);
        else if (ReferenceEquals(instrument, _retries)) Interlocked.Add(ref _retryCount, value);
        else if (ReferenceEquals(instrument, _splits)) Interlocked.Add(ref _splitCount, value);
    }

    private void OnMeasurement(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        var ticks = TimeSpan.FromSeconds(value).Ticks;
        if (ReferenceEquals(instrument, _batchDuration)) Interlocked.Add(ref _stageTicks[StageOf(tags)], ticks);
    }

    /// <summary>Busy seconds per device: finished batches plus the part of running ones already spent.</summary>
    private Dictionary<string, double> BusySeconds()
    {
        var now = Stopwatch.GetTimestamp();
        lock (_busyGate)
        {
            var seconds = _busyDoneTicks.ToDictionary(p => p.Key, p => TimeSpan.FromTicks(p.Value).TotalSeconds, StringComparer.Ordinal);
            foreach (var (device, started) in _busyRunning.Values)
                seconds[device] = seconds.GetValueOrDefault(device) + Stopwatch.GetElapsedTime(started, now).TotalSeconds;
            return seconds;
        }
    }

    private IEnumerable<Measurement<double>> ObserveBusy()
    {
        Interlocked.Increment(ref _collections);
        return BusySeconds().Select(p => new Measurement<double>(p.Value, Tags(new KeyValuePair<string, object?>("device", p.Key))));
    }

    private IEnumerable<Measurement<long>> ObserveJob(Func<JobFigures, long> figure)
    {
        Interlocked.Increment(ref _collections);
        if (Volatile.Read(ref _job) is not { } job)
            return [];
        var figures = job();
        return [new Measurement<long>(figure(figures), Tags(new KeyValuePair<string, object?>("construction", figures.Construction)))];
    }

    private void BusyEnded(long id)
    {
        lock (_busyGate)
        {
            if (!_busyRunning.Remove(id, out var running))
                return;
            var ticks = Stopwatch.GetElapsedTime(running.Started).Ticks;
            _busyDoneTicks[running.Device] = _busyDoneTicks.GetValueOrDefault(running.Device) + ticks;
        }
    }

    private sealed class BusyScope(PipelineMetrics metrics, long id) : IDisposable
    {
        public void Dispose() => metrics.BusyEnded(id);
    }

    private static int StageOf(ReadOnlySpan<KeyValuePair<string, object?>> tags) => Array.IndexOf(StageNames, Tag(tags, "stage"));

    private static string Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
    {
        foreach (var (k, v) in tags)
        {
            if (k == key)
                return v as string ?? "";
        }
        return "";
    }
}
