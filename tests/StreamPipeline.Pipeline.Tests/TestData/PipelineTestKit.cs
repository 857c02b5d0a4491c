using Akka.Configuration;
using Xunit.Abstractions;

namespace StreamPipeline.Pipeline.Tests.TestData;

/// <summary>A TestKit on the pipeline's own settings, with short restart backoffs so fault tests stay fast.</summary>
public abstract class PipelineTestKit(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(TestConfig, output: output)
{
    public static Config TestConfig { get; } = ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        stream-pipeline.device-pool {
          restart-backoff-min = 10ms
          restart-backoff-max = 80ms
          stop-timeout = 10s
        }
        """).WithFallback(PipelineSystem.DefaultConfig);
}
