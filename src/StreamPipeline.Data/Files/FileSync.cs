using System.Runtime.InteropServices;

namespace StreamPipeline.Data.Files;

/// <summary>
/// Flushes a file to disk and fails loudly when the disk says no. .NET's <c>FileStream.Flush(true)</c> ignores a failed
/// fsync (measured on .NET 10, Linux: fsync returning EIO, no exception), and a failed fsync is reported only once —
/// so the program's own checked fsync is the only one called on a file it commits.
/// </summary>
public static class FileSync
{
    /// <summary>Writes the stream's buffer and fsyncs the file; <see cref="CommitFailedException"/> (naming the file) on any error.</summary>
    public static void Flush(FileStream stream)
    {
        var path = stream.Name;
        CommitFailedException.Step(path, "write", stream.Flush);
        if (OperatingSystem.IsLinux())
        {
            if (Libc.fsync(stream.SafeFileHandle) != 0)
                throw CommitFailedException.FromErrno(path, "fsync", Marshal.GetLastPInvokeError());
        }
        else if (OperatingSystem.IsMacOS())
        {
            // F_FULLFSYNC (what .NET uses on macOS) also flushes the drive's cache; a file system without it gets fsync.
            if (Libc.fcntl(stream.SafeFileHandle, Libc.F_FULLFSYNC_MAC) == 0)
                return;
            if (Marshal.GetLastPInvokeError() is not (Libc.EINVAL or Libc.ENOTSUP_MAC) || Libc.fsync(stream.SafeFileHandle) != 0)
                throw CommitFailedException.FromErrno(path, "fsync", Marshal.GetLastPInvokeError());
        }
        else
        {
            CommitFailedException.Step(path, "fsync", () => stream.Flush(flushToDisk: true));
        }
    }
}
