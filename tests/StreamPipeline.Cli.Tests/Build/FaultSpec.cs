using System.Security.Cryptography;
using System.Text;

namespace StreamPipeline.Cli.Tests.Build;

/// <summary>
/// A HOCON job spec file for a cheap D_det build of the fixture's source data, with optional fault injection
/// (config/jobs/defaults.conf, <c>faults { ... }</c>). <see cref="WithoutFaults"/> is the same job, clean.
/// </summary>
public sealed record FaultSpec(string Devices, string Faults = "", int MaxRetries = 3, int Limit = 96, int BatchSize = 8, int ShardSize = 32)
{
    public FaultSpec WithoutFaults() => this with { Faults = "" };

    public string Hocon(TinyModelFixture fixture) => $$"""
        construction = det
        model = "{{fixture.Model}}"
        data = "{{fixture.SourceReference}}"
        limit = {{Limit}}
        batch-size = {{BatchSize}}
        shard-size = {{ShardSize}}
        devices = {{Devices}}
        max-retries = {{MaxRetries}}
        attack { norm = l2, eps = 1.0, step-size = 0.3, steps = 4 }
        faults { {{Faults}} }
        """;

    /// <summary>
    /// Writes the spec to a file named after its content (so equal specs give equal flags, see
    /// <see cref="TinyModelFixture.ReferenceBuild"/>) and returns the arguments after <c>build JOBDIR</c>.
    /// </summary>
    public string[] Flags(TinyModelFixture fixture)
    {
        var hocon = Hocon(fixture);
        var path = Path.Combine(fixture.Root, $"spec-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(hocon)))[..16]}.conf");
        File.WriteAllText(path, hocon);
        return ["--spec", path, "--threads", "1", "--metrics", "console", "--metrics-interval", "3600"];
    }
}
