namespace StreamPipeline.Data.Files;

/// <summary>
/// Whole-file replacement that a crash cannot tear, and that survives a power cut once it returns: write
/// <c>path.tmp</c>, fsync it, rename it over <c>path</c>, fsync the directory. The one place the program commits a file.
/// Every step's failure (a full disk, an I/O error) is a <see cref="CommitFailedException"/> naming the file; the
/// temporary file is then deleted and nothing is renamed (or, when only the directory's fsync failed, the caller
/// must not record the file as committed: it is not known to survive a crash).
/// </summary>
public static class AtomicFile
{
    /// <summary>Suffix of the temporary file written beside its final name; a leftover one is never a finished file.</summary>
    public const string TempSuffix = ".tmp";

    /// <summary>The temporary name of <paramref name="path"/>.</summary>
    public static string TempPath(string path) => path + TempSuffix;

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var temp = TempPath(path);
        try
        {
            using (var stream = Create(temp, FileAccess.Write))
            {
                try
                {
                    stream.Write(bytes);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw CommitFailedException.From(e, temp, "write");
                }
                FileSync.Flush(stream);
            }
            Rename(temp, path);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public static void WriteAllText(string path, string text) => WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// Lets <paramref name="write"/> fill the temporary file (a seekable read-write stream), then fsyncs and hashes it,
    /// renames it into place and returns its SHA-256 and size. On failure or cancellation the temporary file is deleted
    /// and nothing is renamed.
    /// </summary>
    public static async Task<(string Sha256, long Bytes)> WriteAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken ct)
    {
        var temp = TempPath(path);
        try
        {
            string sha256;
            long bytes;
            await using (var file = CommitFailedException.Step(temp, "create",
                             () => new FileStream(temp, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous)))
            {
                try
                {
                    await write(file, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw CommitFailedException.From(e, temp, "write");
                }
                FileSync.Flush(file);
                bytes = file.Length;
                // Hash what is on disk (still in the page cache): the checksum recorded is the file's.
                file.Position = 0;
                sha256 = await FileChecksum.Sha256Async(file, ct).ConfigureAwait(false);
            }
            ct.ThrowIfCancellationRequested();
            Rename(temp, path);
            return (sha256, bytes);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Commits a temporary file that someone else wrote (e.g. a library's own save): fsyncs it, renames it over
    /// <paramref name="path"/> and fsyncs the directory.
    /// </summary>
    public static void Commit(string temp, string path)
    {
        using (var stream = Create(temp, FileAccess.ReadWrite, FileMode.Open))
            FileSync.Flush(stream);
        Rename(temp, path);
    }

    /// <summary>Deletes a file if it can; a leftover temporary file is removed by the next attempt or on resume.</summary>
    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static FileStream Create(string path, FileAccess access, FileMode mode = FileMode.Create) =>
        CommitFailedException.Step(path, mode == FileMode.Create ? "create" : "open", () => new FileStream(path, mode, access, FileShare.None));

    private static void Rename(string temp, string path)
    {
        // rename(2) is atomic on one file system: readers see the old or the new file, never a mix.
        CommitFailedException.Step(path, "rename", () => File.Move(temp, path, overwrite: true));
        DirectorySync.Flush(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }
}
