using System.Runtime.InteropServices;

namespace StreamPipeline.Data.Files;

/// <summary>The few libc calls .NET does not expose for directories (open, fsync, flock).</summary>
internal static partial class Libc
{
    public const int O_RDONLY = 0;
    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;
    public const int EWOULDBLOCK_LINUX = 11;
    public const int EWOULDBLOCK_MAC = 35;

    /// <summary>O_CLOEXEC: the descriptor (and a lock on it) is not inherited by child processes.</summary>
    public static int CloseOnExec => OperatingSystem.IsMacOS() ? 0x1000000 : 0x80000;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int fsync(int fd);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    public static partial int flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int close(int fd);
}
