using System.Collections;
using System.Security.Cryptography;
using StreamPipeline.Data.Parquet;

namespace StreamPipeline.Data.Tests.Parquet;

public sealed class AtomicShardWriteTests
{
    [Fact]
    public async Task WriteAtomicAsync_commits_the_file_and_returns_its_rows_size_and_sha256()
    {
        using var dir = new TempDirectory();
        var shape = ShardTestData.Shape(3);
        var rows = ShardTestData.RandomRows(21, 12, shape);
        string path = dir.File("part-00003.parquet");

        var info = await ParquetShardWriter.WriteAtomicAsync(path, rows, shape, ShardTestData.Metadata(shape).ToDictionary());

        byte[] bytes = await File.ReadAllBytesAsync(path);
        Assert.Equal(new ShardFileInfo(path, 12, Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length), info);
        Assert.Equal(["part-00003.parquet"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
        Assert.Equal(rows.Select(r => r.Index), (await ParquetShardReader.ReadAsync(path)).Rows.Select(r => r.Index));
    }

    [Fact]
    public async Task WriteAtomicAsync_replaces_a_leftover_final_file_and_temporary_file()
    {
        using var dir = new TempDirectory();
        var shape = ShardTestData.Shape(1);
        string path = dir.File("part-00000.parquet");
        await File.WriteAllTextAsync(path, "stale final file from a crash before the manifest was updated");
        await File.WriteAllTextAsync(path + StreamPipeline.Data.Files.AtomicFile.TempSuffix, "stale half-written file");

        await ParquetShardWriter.WriteAtomicAsync(path, ShardTestData.RandomRows(22, 4, shape), shape, ShardTestData.Metadata(shape).ToDictionary());

        Assert.Equal(4, await ParquetShardReader.CountRowsAsync(path));
        Assert.False(File.Exists(path + StreamPipeline.Data.Files.AtomicFile.TempSuffix));
    }

    [Fact]
    public async Task WriteAtomicAsync_cancelled_midway_leaves_neither_temporary_nor_final_file()
    {
        using var dir = new TempDirectory();
        var shape = ShardTestData.Shape(3);
        var source = ShardTestData.RandomRows(23, 50, shape);
        using var cts = new CancellationTokenSource();
        string path = dir.File("part-00001.parquet");
        bool tempExisted = false;
        // Once every row has been validated, the writer is encoding into the open temporary file: cancel there.
        var rows = new TrippingRows(source, afterReads: source.Length, () =>
        {
            tempExisted |= File.Exists(path + StreamPipeline.Data.Files.AtomicFile.TempSuffix);
            cts.Cancel();
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ParquetShardWriter.WriteAtomicAsync(path, rows, shape, ShardTestData.Metadata(shape).ToDictionary(), cts.Token));

        Assert.True(tempExisted);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public async Task WriteAtomicAsync_failing_midway_leaves_neither_temporary_nor_final_file()
    {
        using var dir = new TempDirectory();
        var shape = ShardTestData.Shape(1);
        var source = ShardTestData.RandomRows(24, 30, shape);
        string path = dir.File("part-00002.parquet");
        var rows = new TrippingRows(source, afterReads: source.Length + 7, () => throw new IOException("disk went away"));

        var e = await Assert.ThrowsAsync<StreamPipeline.Data.Files.CommitFailedException>(() =>
            ParquetShardWriter.WriteAtomicAsync(path, rows, shape, ShardTestData.Metadata(shape).ToDictionary()));

        Assert.Equal($"{path}.tmp: write failed: disk went away", e.Message);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public async Task WriteAtomicAsync_failing_at_the_rename_removes_the_temporary_file()
    {
        using var dir = new TempDirectory();
        var shape = ShardTestData.Shape(1);
        string path = dir.File("part-00004.parquet");
        Directory.CreateDirectory(path); // the rename target cannot be replaced by a file

        var e = await Assert.ThrowsAsync<StreamPipeline.Data.Files.CommitFailedException>(() =>
            ParquetShardWriter.WriteAtomicAsync(path, ShardTestData.RandomRows(25, 3, shape), shape, ShardTestData.Metadata(shape).ToDictionary()));

        Assert.Equal($"{path}: rename failed: Is a directory", e.Message);
        Assert.Empty(Directory.GetFiles(dir.Path));
        Assert.True(Directory.Exists(path));
    }

    /// <summary>A row list that runs an action (cancel, throw) once it has been read a given number of times; thread-safe.</summary>
    private sealed class TrippingRows(IReadOnlyList<ConstructedRow> rows, int afterReads, Action trip) : IReadOnlyList<ConstructedRow>
    {
        private int _reads;

        public int Count => rows.Count;

        public ConstructedRow this[int index]
        {
            get
            {
                if (Interlocked.Increment(ref _reads) == afterReads + 1)
                    trip();
                return rows[index];
            }
        }

        public IEnumerator<ConstructedRow> GetEnumerator() => Enumerable.Range(0, Count).Select(i => this[i]).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
