using System.Diagnostics;

namespace StreamPipeline.Cli.Tests.Faults;

/// <summary>
/// A small tmpfs mounted by the test on a scratch folder (a full disk, read-only media), unmounted on dispose. Needs
/// root, as the tests have in CI; without it the test fails saying so rather than skipping.
/// </summary>
public sealed class TmpfsMount : IDisposable
{
    private TmpfsMount(string path) => Path = path;

    public string Path { get; }

    /// <summary>Mounts a tmpfs of <paramref name="size"/> (mount's syntax: 300k, 4m) on <paramref name="path"/>, created if needed.</summary>
    public static TmpfsMount Create(string path, string size)
    {
        Directory.CreateDirectory(path);
        Run("mount", "-t", "tmpfs", "-o", $"size={size},mode=0755", "tmpfs", path);
        return new TmpfsMount(path);
    }

    /// <summary>Makes the file system read-only (for root too, unlike permission bits).</summary>
    public void RemountReadOnly() => Run("mount", "-o", "remount,ro", Path);

    public void Dispose()
    {
        if (!TryRun("umount", Path))
            TryRun("umount", "-l", Path); // still busy (a child not yet gone): detach now, freed when unused
    }

    private static void Run(params string[] command)
    {
        if (!TryRun(out var errors, command))
            throw new InvalidOperationException(
                $"this test mounts a tmpfs and must run as root (as in CI): '{string.Join(' ', command)}' failed: {errors.Trim()}");
    }

    private static bool TryRun(params string[] command) => TryRun(out _, command);

    private static bool TryRun(out string errors, params string[] command)
    {
        var info = new ProcessStartInfo(command[0]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in command.Skip(1))
            info.ArgumentList.Add(arg);
        try
        {
            using var process = Process.Start(info)!;
            errors = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            errors = e.Message;
            return false;
        }
    }
}
