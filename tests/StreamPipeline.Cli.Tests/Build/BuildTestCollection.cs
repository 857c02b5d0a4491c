namespace StreamPipeline.Cli.Tests.Build;

/// <summary>
/// The build tests share one <see cref="TinyModelFixture"/> (one trained checkpoint, cached reference builds) and run
/// one class at a time: each starts real builds, and on a two-core machine running them side by side would only
/// make the timing checks (SIGINT stops promptly) noisy.
/// </summary>
[CollectionDefinition(Name)]
public sealed class BuildTestCollection : ICollectionFixture<TinyModelFixture>
{
    public const string Name = "build (process level)";
}
