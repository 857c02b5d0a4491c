using System.Runtime.InteropServices;

namespace StreamPipeline.Data.Files;

/// <summary>
/// What a path is on the file system, asked before a small text file (a spec) is opened: opening a FIFO blocks until
/// someone writes to it, and a device or socket is no text file; .NET has no call that tells them apart.
/// </summary>
public static partial class FileKind
{
    private const int AtCurrentDirectory = -100; // AT_FDCWD
    private const uint StatxType = 0x1;          // STATX_TYPE
    private const int ModeOffset = 28;           // struct statx: stx_mode (u16) — the same on every Linux architecture
    private const int TypeMask = 0xF000;         // S_IFMT

    /// <summary>
    /// Null when <paramref name="path"/> is a regular file (symbolic links followed) or does not exist (the caller says
    /// "not found"); otherwise what it is, e.g. "a FIFO (named pipe)", for "PATH: is X, not a regular file".
    /// </summary>
    public static string? NotRegular(string path)
    {
        if (Directory.Exists(path))
            return "a directory";
        if (!OperatingSystem.IsLinux())
            return null; // statx is Linux's; elsewhere only the directory check above applies
        var buffer = new byte[256];
        if (statx(AtCurrentDirectory, path, 0, StatxType, buffer) != 0)
            return null; // missing or unreachable: opening it says why
        return (BitConverter.ToUInt16(buffer, ModeOffset) & TypeMask) switch
        {
            0x8000 => null,
            0x1000 => "a FIFO (named pipe)",
            0x2000 => "a character device",
            0x6000 => "a block device",
            0xC000 => "a socket",
            0x4000 => "a directory",
            var other => $"a special file (type 0x{other:x4})",
        };
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int directory, string path, int flags, uint mask, [Out] byte[] buffer);
}
