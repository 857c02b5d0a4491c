namespace StreamPipeline.Cli;

/// <summary>The exit codes scripts rely on (README.md, "Command line", the exit-code table).</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int JobFailed = 1;
    public const int BadInput = 2;
    public const int Interrupted = 130;
}
