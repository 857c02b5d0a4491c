using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace StreamPipeline.Data.Files;

/// <summary>The few libc calls .NET does not expose (open, fsync with its result, flock, statx).</summary>
internal static partial class Libc
{
    public const int O_RDONLY = 0;
    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;
    public const int EWOULDBLOCK_LINUX = 11;
    public const int EWOULDBLOCK_MAC = 35;
    public const int EINVAL = 22;
    public const int ENOTSUP_LINUX = 95;
    public const int ENOTSUP_MAC = 45;
    public const int F_FULLFSYNC_MAC = 51;
    public const int O_RDWR = 2;
    public const int ENOLCK_LINUX = 37;
    public const int ENOLCK_MAC = 77;
    public const int ENOSYS_LINUX = 38;
    public const int ENOSYS_MAC = 78;

    /// <summary>O_CREAT: create the file when absent.</summary>
    public static int Create => OperatingSystem.IsMacOS() ? 0x200 : 0x40;
    private const int AT_FDCWD = -100;
    private const int AT_EMPTY_PATH = 0x1000;
    private const uint STATX_INO = 0x100;

    /// <summary>O_CLOEXEC: the descriptor (and a lock on it) is not inherited by child processes.</summary>
    public static int CloseOnExec => OperatingSystem.IsMacOS() ? 0x1000000 : 0x80000;

    static Libc()
    {
        // "libc" is looked up in the process's global scope, as a C program's calls are, not in libc.so.6 alone: a
        // library preloaded to interpose fsync (fault injection in the tests, or a user's eatmydata) sees our calls too.
        NativeLibrary.SetDllImportResolver(typeof(Libc).Assembly, Resolve);
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);

    /// <summary>open(2) with a mode, for a file it may create.</summary>
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int fsync(int fd);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int fsync(SafeFileHandle fd);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int fcntl(SafeFileHandle fd, int command);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    public static partial int flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    /// <summary>
    /// The (device, inode) of an open descriptor, or of a path (following symlinks), on Linux (statx(2): one layout on
    /// every architecture); null elsewhere or when the call fails.
    /// </summary>
    public static unsafe (ulong Device, ulong Inode)? Identity(int fd, string? path)
    {
        if (!OperatingSystem.IsLinux())
            return null;
        // struct statx is 256 bytes: stx_ino at offset 32, stx_dev_major/minor at 136/140.
        var buffer = stackalloc byte[256];
        var result = path is null ? statx(fd, "", AT_EMPTY_PATH, STATX_INO, buffer) : statx(AT_FDCWD, path, 0, STATX_INO, buffer);
        if (result != 0)
            return null;
        var inode = *(ulong*)(buffer + 32);
        var device = ((ulong)*(uint*)(buffer + 136) << 32) | *(uint*)(buffer + 140);
        return (device, inode);
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == "libc" ? NativeLibrary.GetMainProgramHandle() : IntPtr.Zero;
}
