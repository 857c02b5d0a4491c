using System.Runtime.InteropServices;

namespace StreamPipeline.Cli.Commands;

/// <summary>
/// The folder where a worker's built shards wait for their upload. It must be this user's alone: whoever else can
/// write there can swap a shard between its build and its upload, or plant a link where the shard is written.
/// </summary>
public sealed partial class ScratchFolder : IDisposable
{
    private const UnixFileMode WritableByOthers = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
    private readonly bool _owned;

    private ScratchFolder(string path, bool owned)
    {
        Path = path;
        _owned = owned;
    }

    public string Path { get; }

    /// <summary>A fresh folder under the temp directory (a new, unguessable name, mode 0700), removed on dispose.</summary>
    public static ScratchFolder CreatePrivate() => new(Directory.CreateTempSubdirectory("stream-pipeline-worker-").FullName, owned: true);

    /// <summary>
    /// The user's <c>--scratch</c> folder (created with mode 0700 if missing): a directory owned by this user that
    /// no one else may write. It is left in place; the worker deletes each shard file it wrote once delivered.
    /// </summary>
    /// <exception cref="ArgumentException">One line naming the folder and what is wrong with it.</exception>
    public static ScratchFolder Given(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (File.Exists(full))
            throw new ArgumentException($"--scratch {path} is a file, not a folder");
        if (OperatingSystem.IsWindows())
            return new ScratchFolder(Directory.CreateDirectory(full).FullName, owned: false);
        if (!Directory.Exists(full))
            Directory.CreateDirectory(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // From here on the real folder, not a link to it that someone may point elsewhere later.
        if (new DirectoryInfo(full).ResolveLinkTarget(returnFinalTarget: true) is { } target)
            full = target.FullName;
        if (OwnerOf(full) is { } owner && owner != geteuid())
            throw new ArgumentException($"--scratch {path} belongs to user id {owner}, not to this user (id {geteuid()}); give a folder of your own");
        var mode = File.GetUnixFileMode(full);
        if ((mode & WritableByOthers) != 0)
            throw new ArgumentException($"--scratch {path} can be written by other users (mode {Convert.ToString((int)mode, 8)}); give a folder only you can write (chmod go-w, or mode 700)");
        return new ScratchFolder(full, owned: false);
    }

    public void Dispose()
    {
        if (!_owned)
            return;
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The folder's owner (statx(2), one layout on every Linux architecture: stx_uid at offset 20), or null where it cannot be read.</summary>
    private static uint? OwnerOf(string path)
    {
        if (!OperatingSystem.IsLinux())
            return null;
        var buffer = new byte[256];
        return statx(-100 /* AT_FDCWD */, path, 0, 0x8 /* STATX_UID */, buffer) == 0 ? BitConverter.ToUInt32(buffer, 20) : null;
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, [Out] byte[] buffer);

    [LibraryImport("libc")]
    private static partial uint geteuid();
}
