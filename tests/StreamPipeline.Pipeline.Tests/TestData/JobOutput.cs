using StreamPipeline.Data;
using StreamPipeline.Data.Files;
using StreamPipeline.Pipeline.Jobs;

namespace StreamPipeline.Pipeline.Tests.TestData;

/// <summary>Reads a job directory's output back and computes the output a job should have.</summary>
public static class JobOutput
{
    /// <summary>All rows of the done shards, in shard order.</summary>
    public static List<ConstructedRow> ReadRows(string jobDir)
    {
        var manifest = JobDirectory.ReadManifest(jobDir);
        return manifest.DoneShards
            .SelectMany(s => BinaryShardSink.ReadShard(ShardFiles.PathOf(jobDir, s)))
            .ToList();
    }

    /// <summary>The rows a ShiftPerturber job over the first <paramref name="total"/> examples must write.</summary>
    public static List<ConstructedRow> Expected(InMemoryDataset data, ConstructionKind construction, long total, Func<long, long>? startIndexFor = null)
    {
        var batch = data.ReadRange(0, (int)total);
        var starts = startIndexFor is null ? null : batch.Indices.Select(startIndexFor).ToArray();
        var result = ShiftPerturber.Apply(new PerturbRequest(batch, starts), data.Classes, construction);
        var size = data.Shape.Size;
        return Enumerable.Range(0, (int)total).Select(i => new ConstructedRow(
            result.Indices[i],
            construction.IsRepresentationMatching() ? result.SourceLabels[i] : result.Targets![i],
            result.SourceLabels[i],
            starts?[i],
            result.Pixels.AsSpan(i * size, size).ToArray(),
            result.Success[i],
            result.Distance[i])).ToList();
    }

    public static void AssertSameRows(IReadOnlyList<ConstructedRow> expected, IReadOnlyList<ConstructedRow> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var e = expected[i];
            var a = actual[i];
            Assert.Equal((e.Index, e.Label, e.SourceLabel, e.StartIndex, e.AttackSuccess, e.Distance),
                (a.Index, a.Label, a.SourceLabel, a.StartIndex, a.AttackSuccess, a.Distance));
            Assert.True(e.Pixels.Span.SequenceEqual(a.Pixels.Span), $"pixels of row {i} (index {e.Index}) differ");
        }
    }

    /// <summary>The checksums of the done shards by id (equal checksums = byte-identical files).</summary>
    public static IReadOnlyDictionary<int, string> Checksums(string jobDir) =>
        JobDirectory.ReadManifest(jobDir).DoneShards.ToDictionary(s => s.Id, s => s.Sha256!);

    public static string[] TempFiles(string jobDir) =>
        Directory.EnumerateFiles(jobDir, "*" + AtomicFile.TempSuffix, SearchOption.AllDirectories).ToArray();
}
