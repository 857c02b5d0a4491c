using System.Runtime.InteropServices;

namespace StreamPipeline.Data.Files;

/// <summary>
/// fsync of a directory, so that a rename into it survives a power cut (the file's own fsync does not cover its
/// directory entry). .NET has no API for it; on Linux and macOS this opens the directory read-only and calls fsync(2),
/// and a failure is a <see cref="CommitFailedException"/> naming the directory. Elsewhere it does nothing.
/// </summary>
public static class DirectorySync
{
    public static void Flush(string directory)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
            return;
        var fd = Libc.open(directory, Libc.O_RDONLY | Libc.CloseOnExec);
        if (fd < 0)
            throw CommitFailedException.FromErrno(directory, "open (to fsync the directory)", Marshal.GetLastPInvokeError());
        try
        {
            if (Libc.fsync(fd) == 0)
                return;
            var errno = Marshal.GetLastPInvokeError();
            // Some file systems (certain network and FUSE ones) do not support fsync on a directory and say so with
            // EINVAL or ENOTSUP: there is nothing more to make durable there, so that refusal is tolerated. Any other
            // error (EIO, ENOSPC, …) means the rename may not survive a crash: the commit fails.
            if (errno == Libc.EINVAL || errno == (OperatingSystem.IsMacOS() ? Libc.ENOTSUP_MAC : Libc.ENOTSUP_LINUX))
                return;
            throw CommitFailedException.FromErrno(directory, "fsync", errno);
        }
        finally
        {
            Libc.close(fd);
        }
    }
}
