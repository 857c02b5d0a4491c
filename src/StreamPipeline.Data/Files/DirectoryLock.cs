using System.Runtime.InteropServices;

namespace StreamPipeline.Data.Files;

/// <summary>
/// An exclusive advisory lock on a directory itself (flock(2) on the directory), held until disposed or until the
/// process dies. Unlike a lock file, nobody can delete it from under a running job: removing or replacing any file in
/// the directory leaves the lock where it is. Where the file system refuses flock on a directory (the Linux NFS
/// client: ENOLCK, as it emulates flock with server locks that need a file opened for writing), the lock is taken on
/// a lock file inside it instead — on NFS a lock every client sees. Linux and macOS.
/// </summary>
public sealed class DirectoryLock : IDisposable
{
    private int _fd;
    private int _fileFd;

    private readonly (ulong Device, ulong Inode)? _identity;

    private DirectoryLock(string path, int fd, int fileFd, string? lockFile)
    {
        Path = path;
        _fd = fd;
        _fileFd = fileFd;
        LockFile = lockFile;
        _identity = Libc.Identity(fd, null);
    }

    public string Path { get; }

    /// <summary>The lock file the lock is held on, where the directory itself could not be locked; null otherwise.</summary>
    public string? LockFile { get; }

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

    /// <summary>
    /// Takes the lock, or returns null when another holder (this process or another) has it. Where the directory cannot
    /// be locked (ENOLCK, ENOSYS), <paramref name="lockFileName"/> inside it is created (if absent) and locked instead.
    /// </summary>
    /// <exception cref="IOException">The directory cannot be opened or locked for another reason.</exception>
    public static DirectoryLock? TryAcquire(string directory, string? lockFileName = null)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
            throw new PlatformNotSupportedException("job directories are locked with flock(2), available on Linux and macOS");
        var fd = Libc.open(directory, Libc.O_RDONLY | Libc.CloseOnExec);
        if (fd < 0)
            throw new IOException($"cannot open directory {directory} to lock it (errno {Marshal.GetLastPInvokeError()})");
        if (Libc.flock(fd, Libc.LOCK_EX | Libc.LOCK_NB) == 0)
            return new DirectoryLock(directory, fd, -1, null);
        var errno = Marshal.GetLastPInvokeError();
        if (errno is Libc.EWOULDBLOCK_LINUX or Libc.EWOULDBLOCK_MAC)
        {
            Libc.close(fd);
            return null;
        }
        if (lockFileName is null || errno is not (Libc.ENOLCK_LINUX or Libc.ENOLCK_MAC or Libc.ENOSYS_LINUX or Libc.ENOSYS_MAC))
        {
            Libc.close(fd);
            throw new IOException($"cannot lock directory {directory} (errno {errno})");
        }
        // The directory stays open all the same: it is what StillAtPath compares the path with.
        var lockFile = System.IO.Path.Combine(directory, lockFileName);
        var fileFd = Libc.open(lockFile, Libc.O_RDWR | Libc.Create | Libc.CloseOnExec, 0b110_100_100);
        if (fileFd < 0)
        {
            var openErrno = Marshal.GetLastPInvokeError();
            Libc.close(fd);
            throw new IOException($"cannot lock directory {directory}: the file system refuses a lock on the directory (errno {errno}), and its lock file {lockFile} cannot be opened (errno {openErrno})");
        }
        if (Libc.flock(fileFd, Libc.LOCK_EX | Libc.LOCK_NB) == 0)
            return new DirectoryLock(directory, fd, fileFd, lockFile);
        var fileErrno = Marshal.GetLastPInvokeError();
        Libc.close(fileFd);
        Libc.close(fd);
        if (fileErrno is Libc.EWOULDBLOCK_LINUX or Libc.EWOULDBLOCK_MAC)
            return null;
        throw new IOException($"cannot lock directory {directory}: neither the directory (errno {errno}) nor its lock file {lockFile} (errno {fileErrno}) can be locked");
    }

    public void Dispose()
    {
        // Closing the last descriptor releases the flock; the lock file stays (deleting it would let a second build
        // lock a new file while a first still holds the old one).
        var fileFd = Interlocked.Exchange(ref _fileFd, -1);
        if (fileFd >= 0)
            Libc.close(fileFd);
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
            Libc.close(fd);
    }
}
