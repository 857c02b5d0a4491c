using System.Runtime.InteropServices;

namespace StreamPipeline.Cli;

/// <summary>
/// Ends the process at once, as kill -9 would but with a chosen exit code. <see cref="Environment.Exit"/> runs the C
/// library's exit handlers and libtorch's static destructors while its threads may still be computing, which crashed
/// the process (SIGSEGV) when a second Ctrl-C arrived mid-batch; <c>_exit(2)</c> runs none of them. Everything the
/// program commits survives kill -9, so nothing is lost that a clean stop would have kept.
/// </summary>
public static partial class ImmediateExit
{
    public static void Now(int exitCode)
    {
        Console.Error.Flush();
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
            _exit(exitCode);
        Environment.Exit(exitCode);
    }

    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void _exit(int status);
}
