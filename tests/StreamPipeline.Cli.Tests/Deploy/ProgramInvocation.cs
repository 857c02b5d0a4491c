namespace StreamPipeline.Cli.Tests.Deploy;

/// <summary>One command line of the program found in a deployment file: its arguments as the program receives them.</summary>
/// <param name="File">The file, relative to the repository root.</param>
/// <param name="Where">Where in the file: a compose service, a Kubernetes container, a script line.</param>
public sealed record ProgramInvocation(string File, string Where, IReadOnlyList<string> Args)
{
    public override string ToString() => $"{File} ({Where}): stream-pipeline {string.Join(' ', Args)}";
}
