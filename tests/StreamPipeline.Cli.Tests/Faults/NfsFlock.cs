using System.Diagnostics;

namespace StreamPipeline.Cli.Tests.Faults;

/// <summary>
/// Makes flock(2) inside the real program behave as on a Linux NFS mount: <c>nfs_flock.c</c> (beside this file),
/// compiled with <c>cc</c> on first use and loaded with LD_PRELOAD, refuses flock on a directory with ENOLCK and lets it
/// through on regular files. <see cref="Refused"/> lists the directories refused, so the test knows it fired.
/// </summary>
public sealed class NfsFlock
{
    private static readonly Lazy<string> Library = new(Compile);

    public NfsFlock(string logDirectory)
    {
        LogPath = Path.Combine(logDirectory, $"nfs-flock-{Guid.NewGuid():N}.log");
        Environment = new Dictionary<string, string> { ["LD_PRELOAD"] = Library.Value, ["NFS_FLOCK_LOG"] = LogPath };
    }

    /// <summary>The child's environment that makes its file system act as NFS for locks.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    private string LogPath { get; }

    /// <summary>The directories whose flock was refused, in order.</summary>
    public IReadOnlyList<string> Refused => File.Exists(LogPath) ? File.ReadAllLines(LogPath) : [];

    private static string Compile()
    {
        var source = Path.Combine(RepositoryRoot.Path, "tests", "StreamPipeline.Cli.Tests", "Faults", "nfs_flock.c");
        var library = Path.Combine(AppContext.BaseDirectory, "nfs_flock.so");
        var info = new ProcessStartInfo("cc") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "-shared", "-fPIC", "-O2", "-o", library, source, "-ldl" })
            info.ArgumentList.Add(arg);
        using var cc = Process.Start(info) ?? throw new InvalidOperationException("cc could not be started; install gcc");
        var errors = cc.StandardError.ReadToEnd();
        cc.WaitForExit();
        if (cc.ExitCode != 0 || !File.Exists(library))
            throw new InvalidOperationException($"cc failed to build {source} ({cc.ExitCode}): {errors}");
        return library;
    }
}
