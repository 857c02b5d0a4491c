using System.Runtime.InteropServices;

namespace StreamPipeline.Data.Files;

/// <summary>
/// A write, fsync or rename that a durable commit needs failed (a full disk, an I/O error, a read-only file system):
/// nothing is recorded as committed. One line naming the file, the step and the error, e.g.
/// <c>runs/det/commits.log: fsync failed: Input/output error</c>.
/// </summary>
public sealed class CommitFailedException : IOException
{
    public CommitFailedException(string path, string operation, string error, Exception? inner = null)
        : base($"{path}: {operation} failed: {error}", inner)
    {
        Path = path;
        Operation = operation;
    }

    /// <summary>The file (or directory) the step was for.</summary>
    public string Path { get; }

    /// <summary>The step that failed: create, write, fsync, rename, …</summary>
    public string Operation { get; }

    /// <summary>From a failed libc call's errno (strerror's words).</summary>
    public static CommitFailedException FromErrno(string path, string operation, int errno) =>
        new(path, operation, Marshal.GetPInvokeErrorMessage(errno)) { HResult = errno };

    /// <summary>
    /// From an exception of a .NET file operation; one that is already a <see cref="CommitFailedException"/> is kept.
    /// .NET puts the errno of a failed system call in an <see cref="IOException"/>'s HResult.
    /// </summary>
    public static CommitFailedException From(Exception e, string path, string operation)
    {
        if (e is CommitFailedException already)
            return already;
        var errno = e is IOException && e.HResult is > 0 and < 4096 ? e.HResult : 0;
        var error = errno > 0 ? Marshal.GetPInvokeErrorMessage(errno) : e.Message.Split('\n')[0];
        return new CommitFailedException(path, operation, error, e) { HResult = errno > 0 ? errno : e.HResult };
    }

    /// <summary>Runs one file-system step, turning its I/O failure into a <see cref="CommitFailedException"/> naming <paramref name="path"/>.</summary>
    public static void Step(string path, string operation, Action step)
    {
        try
        {
            step();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw From(e, path, operation);
        }
    }

    /// <summary>As <see cref="Step(string, string, Action)"/>, returning the step's result.</summary>
    public static T Step<T>(string path, string operation, Func<T> step)
    {
        try
        {
            return step();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw From(e, path, operation);
        }
    }
}
