namespace StreamPipeline.Pipeline.Jobs;

/// <summary>
/// A job directory holds another job (different spec, model or data): it is refused, never mixed in.
/// An <see cref="ArgumentException"/>, so the CLI reports it as bad usage (exit 2); the message is one line.
/// </summary>
public sealed class JobSpecMismatchException(string message, IReadOnlyList<string> differences) : ArgumentException(message)
{
    /// <summary>Each difference, e.g. <c>spec: attack.eps 0.5 -> 0.25</c>.</summary>
    public IReadOnlyList<string> Differences { get; } = differences;
}
