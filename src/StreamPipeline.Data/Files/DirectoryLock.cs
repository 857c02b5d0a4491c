using System.Runtime.InteropServices;

namespace StreamPipeline.Data.Files;

/// <summary>
/// An exclusive advisory lock on a directory itself (flock(2) on the directory), held until disposed or until the
/// process dies. Unlike a lock file, nobody can delete it from under a running job: removing or replacing any file in
/// the directory leaves the lock where it is. Linux and macOS.
/// </summary>
public sealed class DirectoryLock : IDisposable
{
    private int _fd;

    private readonly (ulong Device, ulong Inode)? _identity;

    private DirectoryLock(string path, int fd)
    {
        Path = path;
        _fd = fd;
        _identity = Libc.Identity(fd, null);
    }

    public string Path { get; }

    /// <summary>
    /// False when <see cref="Path"/> no longer names the directory this lock holds: it was moved away, removed, or
    /// replaced (e.g. by a copy, which another build could then lock and write). Compares the locked descriptor's
    /// device and inode with the path's (statx). Always true where that cannot be checked (not Linux).
    /// </summary>
    public bool StillAtPath()
    {
        if (_identity is not { } held || Volatile.Read(ref _fd) < 0)
            return true;
        return Libc.Identity(-1, Path) is { } now && now == held;
    }

    /// <summary>Takes the lock, or returns null when another holder (this process or another) has it.</summary>
    /// <exception cref="IOException">The directory cannot be opened or locked for another reason.</exception>
    public static DirectoryLock? TryAcquire(string directory)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
            throw new PlatformNotSupportedException("job directories are locked with flock(2), available on Linux and macOS");
        var fd = Libc.open(directory, Libc.O_RDONLY | Libc.CloseOnExec);
        if (fd < 0)
            throw new IOException($"cannot open directory {directory} to lock it (errno {Marshal.GetLastPInvokeError()})");
        if (Libc.flock(fd, Libc.LOCK_EX | Libc.LOCK_NB) == 0)
            return new DirectoryLock(directory, fd);
        var errno = Marshal.GetLastPInvokeError();
        Libc.close(fd);
        if (errno is Libc.EWOULDBLOCK_LINUX or Libc.EWOULDBLOCK_MAC)
            return null;
        throw new IOException($"cannot lock directory {directory} (errno {errno})");
    }

    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
            Libc.close(fd); // closing the last descriptor releases the flock
    }
}
