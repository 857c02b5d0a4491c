namespace StreamPipeline.Pipeline.Sinks;

/// <summary>Whole-file replacement that a crash cannot tear: write <c>path.tmp</c>, fsync, rename over <c>path</c>.</summary>
public static class AtomicFile
{
    public const string TempSuffix = ".tmp";

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var temp = path + TempSuffix;
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            // rename(2) is atomic on one file system: readers see the old or the new file, never a mix.
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public static void WriteAllText(string path, string text) => WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text));

    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a leftover temporary file is removed when the job resumes.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
