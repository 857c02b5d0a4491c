using StreamPipeline.Data;
using StreamPipeline.Data.Parquet;
using StreamPipeline.Data.Files;
using StreamPipeline.Data.Jobs;

namespace StreamPipeline.Application.Inspection;

/// <summary>
/// Reads a job directory without changing it: the manifest as it stands (compacted manifest plus commit log) and the
/// committed shards one at a time, each verified against its SHA-256 first. A running build's lock is never touched,
/// so inspecting is safe at any moment.
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
            throw new DataFormatException($"{InputText.Show(jobDir)}: job directory not found");
        if (!ManifestStore.Exists(jobDir))
            throw new DataFormatException($"{jobDir}: not a job directory (no {JobLayout.ManifestFileName})");
        return ManifestStore.Read(jobDir);
    }

    /// <summary>Inspects the job and, when asked, renders and writes the grid; nothing in the job directory is changed.</summary>
    public static async Task<InspectResult> RunAsync(InspectRequest request, CancellationToken ct)
    {
        if (request.Grid is not null) ExampleGrid.CheckDestination(request.Grid);
        // One manifest snapshot for the numbers and the grid: a running build may commit more shards meanwhile.
        var manifest = ReadManifest(request.JobDir);
        var inspection = await InspectAsync(request.JobDir, manifest, ct).ConfigureAwait(false);
        if (request.Grid is null) return new InspectResult(inspection, null);

        using var source = DatasetReference.Open(manifest.DataRef, new DatasetOptions(request.DataRoot));
        var image = await ExampleGrid.BuildAsync(request.JobDir, manifest, source, request.GridSettings, ct).ConfigureAwait(false);
        ExampleGrid.Write(request.Grid, image);
        return new InspectResult(inspection, image);
    }

    /// <summary>Progress from the manifest and statistics over every committed shard.</summary>
    public static Task<JobInspection> InspectAsync(string jobDir, CancellationToken ct = default) =>
        InspectAsync(jobDir, ReadManifest(jobDir), ct);

    /// <summary>Progress and statistics as of <paramref name="manifest"/>, a snapshot read earlier (a running build commits more meanwhile).</summary>
    public static async Task<JobInspection> InspectAsync(string jobDir, Manifest manifest, CancellationToken ct = default)
    {
        var stats = await StatsAsync(jobDir, manifest, ct).ConfigureAwait(false);
        return new JobInspection(JobProgress.From(Path.GetFullPath(jobDir), manifest), stats) { Nodes = NodeStats.From(manifest) };
    }

    /// <summary>Statistics over the shards <paramref name="manifest"/> lists done, reading one shard's small columns at a time.</summary>
    public static async Task<ConstructionStats> StatsAsync(string jobDir, Manifest manifest, CancellationToken ct = default)
    {
        long rows = 0, successes = 0, finite = 0, relabelled = 0;
        double distanceSum = 0;
        long[]? labels = null, sources = null;
        IReadOnlyList<string> classNames = [];
        foreach (var shard in manifest.DoneShards)
        {
            ct.ThrowIfCancellationRequested();
            var path = ShardFiles.PathOf(jobDir, shard);
            ShardFiles.RequireIntact(jobDir, shard);
            var columns = await ParquetShardReader.ReadLabelsAsync(path, ct).ConfigureAwait(false);
            CheckBelongs(path, columns.Metadata, columns.Rows, shard, manifest);
            if (labels is null)
                classNames = columns.Metadata.ClassNames;
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
        return rows == 0 ? ConstructionStats.Empty : new ConstructionStats(rows, successes, distanceSum, finite, labels!, sources!, relabelled) { ClassNames = classNames };
    }

    /// <summary>A shard file must be the one the manifest recorded: same row count, and written for this job's spec.</summary>
    internal static void CheckBelongs(string path, ConstructedDatasetMetadata metadata, int rows, ShardEntry shard, Manifest manifest)
    {
        if (rows != shard.Rows)
            throw new DataFormatException($"{path}: holds {rows} rows, the manifest records {shard.Rows}");
        if (!FileChecksum.Same(metadata.SpecHash, manifest.SpecHash))
            throw new DataFormatException($"{path}: spec hash {FileChecksum.Short(metadata.SpecHash)} differs from the manifest's {FileChecksum.Short(manifest.SpecHash)} (a shard of another job?)");
    }
}
