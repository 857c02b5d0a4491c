namespace StreamPipeline.Cli;

/// <summary>The exit codes scripts rely on (docs/cli.md, the exit-code table).</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int JobFailed = 1;
    public const int BadInput = 2;
    /// <summary>Stopped by Ctrl-C (SIGINT) at a safe point; resumable. 128 + 2, as shells report a SIGINT death.</summary>
    public const int Interrupted = 130;
    /// <summary>Stopped by SIGTERM (docker stop, a scheduler's preemption, kill) at a safe point; resumable. 128 + 15.</summary>
    public const int Terminated = 143;

    /// <summary>The exit code of a stop asked for by <paramref name="signal"/>: what a shell expects of a process that signal ended.</summary>
    public static int ForStop(System.Runtime.InteropServices.PosixSignal signal) =>
        signal == System.Runtime.InteropServices.PosixSignal.SIGTERM ? Terminated : Interrupted;
}
