using System.Diagnostics;

namespace StreamPipeline.Cli.Tests.Faults;

/// <summary>
/// Makes fsync fail inside the real program: <c>fsync_fault.c</c> (beside this file), compiled with <c>cc</c> on first
/// use and loaded with LD_PRELOAD, fails fsync/fdatasync with EIO or ENOSPC for the files whose path matches a glob.
/// A test checks <see cref="Fired"/> so that a fault that never happened cannot pass for one that was handled.
/// </summary>
public sealed class FsyncFault
{
    private static readonly Lazy<string> Library = new(Compile);

    private FsyncFault(string pathGlob, string errno, int skip, string log)
    {
        Environment = new Dictionary<string, string>
        {
            ["LD_PRELOAD"] = Library.Value,
            ["FSYNC_FAULT_PATH"] = pathGlob,
            ["FSYNC_FAULT_ERRNO"] = errno,
            ["FSYNC_FAULT_SKIP"] = skip.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["FSYNC_FAULT_LOG"] = log,
        };
        LogPath = log;
    }

    /// <summary>The child's environment that injects the fault.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    private string LogPath { get; }

    /// <summary>The paths whose fsync was made to fail, in order.</summary>
    public IReadOnlyList<string> Fired => File.Exists(LogPath) ? File.ReadAllLines(LogPath) : [];

    /// <summary>
    /// fsync of a file matching <paramref name="pathGlob"/> (fnmatch; '*' also matches '/') fails with
    /// <paramref name="errno"/> (EIO or ENOSPC), after the first <paramref name="skip"/> matching calls succeeded.
    /// </summary>
    public static FsyncFault On(string pathGlob, string logDirectory, string errno = "EIO", int skip = 0) =>
        new(pathGlob, errno, skip, Path.Combine(logDirectory, $"fsync-fault-{Guid.NewGuid():N}.log"));

    private static string Compile()
    {
        var source = Path.Combine(RepositoryRoot.Path, "tests", "StreamPipeline.Cli.Tests", "Faults", "fsync_fault.c");
        var library = Path.Combine(AppContext.BaseDirectory, "fsync_fault.so");
        var info = new ProcessStartInfo("cc") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "-shared", "-fPIC", "-O2", "-o", library, source, "-ldl" })
            info.ArgumentList.Add(arg);
        Process? cc;
        try
        {
            cc = Process.Start(info);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"the fsync fault tests compile {source} with a C compiler: 'cc' could not be started ({e.Message}); install gcc", e);
        }
        using (cc)
        {
            var errors = cc!.StandardError.ReadToEnd();
            cc.WaitForExit();
            if (cc.ExitCode != 0 || !File.Exists(library))
                throw new InvalidOperationException($"cc failed to build {source} ({cc.ExitCode}): {errors}");
        }
        return library;
    }
}
