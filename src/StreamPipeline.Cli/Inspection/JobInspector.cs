using StreamPipeline.Data;
using StreamPipeline.Data.Parquet;
using StreamPipeline.Pipeline.Jobs;

namespace StreamPipeline.Cli.Inspection;

/// <summary>
/// Reads a job directory without changing it: the manifest as it stands (written atomically, so always whole) and the
/// committed shards one at a time. A running build's lock is never touched, so inspecting is safe at any moment.
/// </summary>
public static class JobInspector
{
    /// <summary>The job's manifest; a missing directory or manifest is a <see cref="DataFormatException"/> naming it.</summary>
    public static Manifest ReadManifest(string jobDir)
    {
        if (string.IsNullOrWhiteSpace(jobDir))
            throw new ArgumentException("JOBDIR must not be empty");
        if (File.Exists(jobDir))
            throw new DataFormatException($"{jobDir}: is a file, not a job directory");
        if (!Directory.Exists(jobDir))
            throw new DataFormatException($"{jobDir}: job directory not found");
        if (!File.Exists(Path.Combine(jobDir, JobDirectory.ManifestFileName)))
            throw new DataFormatException($"{jobDir}: not a job directory (no {JobDirectory.ManifestFileName})");
        return JobDirectory.ReadManifest(jobDir);
    }

    /// <summary>Progress from the manifest and statistics over every committed shard.</summary>
    public static Task<JobInspection> InspectAsync(string jobDir, CancellationToken ct = default) =>
        InspectAsync(jobDir, ReadManifest(jobDir), ct);

    /// <summary>Progress and statistics as of <paramref name="manifest"/>, a snapshot read earlier (a running build commits more meanwhile).</summary>
    public static async Task<JobInspection> InspectAsync(string jobDir, Manifest manifest, CancellationToken ct = default)
    {
        var stats = await StatsAsync(jobDir, manifest, ct).ConfigureAwait(false);
        return new JobInspection(JobProgress.From(Path.GetFullPath(jobDir), manifest), stats);
    }

    /// <summary>Statistics over the shards <paramref name="manifest"/> lists done, reading one shard's small columns at a time.</summary>
    public static async Task<ConstructionStats> StatsAsync(string jobDir, Manifest manifest, CancellationToken ct = default)
    {
        long rows = 0, successes = 0, finite = 0, relabelled = 0;
        double distanceSum = 0;
        long[]? labels = null, sources = null;
        foreach (var shard in manifest.DoneShards)
        {
            ct.ThrowIfCancellationRequested();
            var path = ShardPath(jobDir, shard);
            var columns = await ParquetShardReader.ReadLabelsAsync(path, ct).ConfigureAwait(false);
            CheckBelongs(path, columns.Metadata, columns.Rows, shard, manifest);
            labels ??= new long[columns.Metadata.Classes];
            sources ??= new long[columns.Metadata.Classes];
            if (columns.Metadata.Classes != labels.Length)
                throw new DataFormatException($"{path}: has {columns.Metadata.Classes} classes, earlier shards have {labels.Length}");
            for (var i = 0; i < columns.Rows; i++)
            {
                int label = columns.Label[i], source = columns.SourceLabel[i];
                if ((uint)label >= (uint)labels.Length || (uint)source >= (uint)labels.Length)
                    throw new DataFormatException($"{path}: row {i} has label {label} / source label {source} outside [0, {labels.Length})");
                labels[label]++;
                sources[source]++;
                if (label != source) relabelled++;
                if (columns.AttackSuccess[i]) successes++;
                var distance = columns.Distance[i];
                if (float.IsFinite(distance))
                {
                    distanceSum += distance;
                    finite++;
                }
            }
            rows += columns.Rows;
        }
        return rows == 0 ? ConstructionStats.Empty : new ConstructionStats(rows, successes, distanceSum, finite, labels!, sources!, relabelled);
    }

    /// <summary>Where a done shard's file lives (the manifest records names relative to <c>data/</c>).</summary>
    public static string ShardPath(string jobDir, ShardEntry shard) =>
        Path.Combine(jobDir, JobDirectory.DataDirName, shard.File ?? throw new DataFormatException($"{jobDir}: shard {shard.Id} is done but has no file"));

    /// <summary>A shard file must be the one the manifest recorded: same row count, and written for this job's spec.</summary>
    internal static void CheckBelongs(string path, ConstructedDatasetMetadata metadata, int rows, ShardEntry shard, Manifest manifest)
    {
        if (rows != shard.Rows)
            throw new DataFormatException($"{path}: holds {rows} rows, the manifest records {shard.Rows}");
        if (!string.Equals(metadata.SpecHash, manifest.SpecHash, StringComparison.OrdinalIgnoreCase))
            throw new DataFormatException($"{path}: spec hash {Short(metadata.SpecHash)} differs from the manifest's {Short(manifest.SpecHash)} (a shard of another job?)");
    }

    internal static string Short(string sha) => sha.Length > 12 ? sha[..12] : sha;
}
