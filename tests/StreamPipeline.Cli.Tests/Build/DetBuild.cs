using System.Globalization;

namespace StreamPipeline.Cli.Tests.Build;

/// <summary>
/// The flags of a cheap D_det build of the fixture's source data (everything on the command line, one CPU thread,
/// no metrics exporter unless <see cref="Metrics"/> names one); <c>with</c> changes one setting.
/// </summary>
public sealed record DetBuild(string Model, string Data)
{
    public int Limit { get; init; } = 100;
    public int BatchSize { get; init; } = 12;
    public int ShardSize { get; init; } = 32;
    public double Eps { get; init; } = 1.0;
    public double StepSize { get; init; } = 0.3;
    public int Steps { get; init; } = 4;
    public string Devices { get; init; } = "cpu";
    public string Metrics { get; init; } = "none";

    public static DetBuild Of(TinyModelFixture fixture) => new(fixture.Model, fixture.SourceReference);

    /// <summary>The arguments after <c>build JOBDIR</c>.</summary>
    public string[] Flags() =>
    [
        "--construction", "det", "--model", Model, "--data", Data,
        "--limit", Text(Limit), "--batch-size", Text(BatchSize), "--shard-size", Text(ShardSize), "--devices", Devices,
        "--eps", Text(Eps), "--step-size", Text(StepSize), "--steps", Text(Steps),
        "--threads", "1", "--metrics", Metrics,
    ];

    /// <summary>The whole command line: <c>build JOBDIR flags…</c>.</summary>
    public string[] Command(string jobDir) => ["build", jobDir, .. Flags()];

    private static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);
}
