
namespace StreamPipeline.Data.Files;

/// <summary>
/// fsync of a directory, so that a rename into it survives a power cut (the file's own fsync does not cover its
/// directory entry). .NET has no API for it; on Linux and macOS this opens the directory read-only and calls fsync(2).
/// Best effort elsewhere (a file system that refuses fsync on a directory is tolerated).
/// </summary>
public static class DirectorySync
{
    public static void Flush(string directory)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
            return;
        var fd = Libc.open(directory, Libc.O_RDONLY | Libc.CloseOnExec);
        if (fd < 0)
            return;
        try
        {
            Libc.fsync(fd);
        }
        finally
        {
            Libc.close(fd);
        }
    }
}
