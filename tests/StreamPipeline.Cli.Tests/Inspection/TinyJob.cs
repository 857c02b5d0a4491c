using StreamPipeline.Data;
using StreamPipeline.Data.Parquet;
using StreamPipeline.Pipeline.Jobs;
using StreamPipeline.Pipeline.Sinks;
using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Cli.Tests.Inspection;

/// <summary>
/// A small D_det job directory made without a model: tiny IDX source files, real Parquet shards of known rows for some
/// shards, and the pipeline's own manifest. The directory stays open (locked) like a running build until disposed.
/// </summary>
public sealed class TinyJob : IDisposable
{
    public const string ModelSha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    public const int Classes = 4;

    /// <summary>The class names the shards carry, as a real dataset's would.</summary>
    public static readonly IReadOnlyList<string> ClassNames = ["T-shirt/top", "Trouser", "Pullover", "Dress"];
    public static readonly ImageShape Shape = new(1, TinyData.Side, TinyData.Side);

    private readonly List<ConstructedRow> _rows = [];

    private TinyJob(string root, string dataRef, JobSpec spec, JobDirectory job, byte[] sourcePixels, byte[] sourceLabels)
    {
        Root = root;
        DataRef = dataRef;
        Spec = spec;
        Job = job;
        SourcePixels = sourcePixels;
        SourceLabels = sourceLabels;
    }

    public string Root { get; }

    public string DataRef { get; }

    public JobSpec Spec { get; }

    /// <summary>The open job directory: its lock is held, as by a running build.</summary>
    public JobDirectory Job { get; }

    /// <summary>The source images as the IDX file holds them, 8×8 bytes each.</summary>
    public byte[] SourcePixels { get; }

    public byte[] SourceLabels { get; }

    /// <summary>Every row of the shards committed so far.</summary>
    public IReadOnlyList<ConstructedRow> CommittedRows => _rows;

    /// <summary>Writes the source data under <paramref name="dir"/> and opens a job of <paramref name="examples"/> examples in shards of <paramref name="shardSize"/>.</summary>
    public static TinyJob Create(string dir, int examples, int shardSize)
    {
        var files = TinyData.WriteIdx(dir, "source", examples, seed: 42);
        var pixels = File.ReadAllBytes(files.Images)[16..];
        var labels = File.ReadAllBytes(files.Labels)[8..];
        var dataRef = TinyData.Reference(files);
        var spec = JobSpecLoader.Load(null, new JobSpecOverrides
        {
            Construction = ConstructionKind.Det, Model = Path.Combine(dir, "model.pt"), Data = dataRef, ShardSize = shardSize, Devices = ["cpu"],
        });
        var root = Path.Combine(dir, "job");
        return new TinyJob(root, dataRef, spec, JobDirectory.Open(root, spec, ModelSha256, examples), pixels, labels);
    }

    /// <summary>The row this job writes for source example <paramref name="index"/>: known labels, success, distance and a visible perturbation.</summary>
    public ConstructedRow RowFor(long index)
    {
        int source = SourceLabels[index];
        // Every fifth example keeps its label, so the relabelled share is not trivially 1.
        var label = index % 5 == 0 ? source : (source + 1) % Classes;
        var pixels = new float[Shape.Size];
        for (var p = 0; p < pixels.Length; p++)
        {
            var delta = ((p + index) % 5 - 2) * 0.05f;
            pixels[p] = Math.Clamp(SourcePixels[index * Shape.Size + p] / 255f + delta, 0f, 1f);
        }
        return new ConstructedRow(index, label, source, null, pixels, AttackSuccess: index % 3 != 0, Distance: index % 7 * 0.25f);
    }

    /// <summary>Writes shard <paramref name="id"/> as the build does (atomic Parquet file) and records it done in the manifest.</summary>
    public async Task CommitAsync(int id)
    {
        var shard = Job.Manifest.ShardAt(id).Plan;
        var rows = Enumerable.Range(0, shard.Count).Select(i => RowFor(shard.Start + i)).ToArray();
        var metadata = new ConstructedDatasetMetadata(Shape, ClassNames, Spec.ToCanonicalJson(),
            Spec.SpecHash(ModelSha256), ModelSha256, "{}").ToDictionary();
        var name = JobLayout.ShardFileName(id, ParquetShardSink.Extension);
        var file = await ParquetShardWriter.WriteAtomicAsync(Path.Combine(Job.DataDir, name), rows, Shape, metadata);
        Job.MarkCommitted(new CommittedShard(id, name, file.Rows, file.Sha256, file.Bytes));
        _rows.AddRange(rows);
    }

    public void Dispose() => Job.Dispose();
}
