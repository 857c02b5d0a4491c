using StreamPipeline.Data;
using StreamPipeline.Pipeline.Sinks;
using StreamPipeline.Pipeline.Tests.TestData;

namespace StreamPipeline.Pipeline.Tests.Sinks;

public class BinaryShardSinkTests
{
    private static List<ConstructedRow> Rows(long start, int count) => Enumerable.Range(0, count)
        .Select(i => new ConstructedRow(start + i, i % 10, (i + 3) % 10, i % 2 == 0 ? start + i + 100 : null,
            Enumerable.Range(0, 12).Select(k => (float)(i * 12 + k) / 1000f).ToArray(), i % 3 != 0, i * 0.25f))
        .ToList();

    [Fact]
    public async Task Sink_round_trips_rows_and_reports_their_file_size_and_checksum()
    {
        using var dir = new TempDirectory();
        var rows = Rows(300, 37);

        var committed = await new BinaryShardSink().CommitAsync(new ShardPlan(3, 300, 37), rows, dir.Path, CancellationToken.None);

        var path = Path.Combine(dir.Path, committed.File);
        Assert.Equal((3, "part-00003.bin", 37L), (committed.Id, committed.File, committed.Rows));
        Assert.Equal(new FileInfo(path).Length, committed.Bytes);
        Assert.Equal(StreamPipeline.Data.Files.FileChecksum.Sha256Of(path), committed.Sha256);
        JobOutput.AssertSameRows(rows, BinaryShardSink.ReadShard(path));
        Assert.Empty(JobOutput.TempFiles(dir.Path));
    }

    [Fact]
    public async Task Cancelled_commit_leaves_no_file_behind()
    {
        using var dir = new TempDirectory();
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new BinaryShardSink().CommitAsync(new ShardPlan(0, 0, 5), Rows(0, 5), dir.Path, cts.Token));

        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public async Task Truncated_shard_file_is_reported_as_bad_data()
    {
        using var dir = new TempDirectory();
        var committed = await new BinaryShardSink().CommitAsync(new ShardPlan(0, 0, 4), Rows(0, 4), dir.Path, CancellationToken.None);
        var path = Path.Combine(dir.Path, committed.File);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^5]);

        var error = Assert.Throws<DataFormatException>(() => BinaryShardSink.ReadShard(path));

        Assert.Contains(path, error.Message);
    }
}
