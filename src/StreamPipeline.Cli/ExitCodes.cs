namespace StreamPipeline.Cli;

/// <summary>The exit codes scripts rely on (DESIGN.md, "Command line").</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int JobFailed = 1;
    public const int BadInput = 2;
    public const int Interrupted = 130;
}
