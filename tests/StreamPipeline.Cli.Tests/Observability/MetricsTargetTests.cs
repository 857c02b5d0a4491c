using StreamPipeline.Cli.Observability;

namespace StreamPipeline.Cli.Tests.Observability;

/// <summary>The values of --metrics, parsed once at the edge.</summary>
public sealed class MetricsTargetTests
{
    [Theory]
    [InlineData("none", MetricsKind.None, null, "127.0.0.1", 9464)]
    [InlineData("console", MetricsKind.Console, null, "127.0.0.1", 9464)]
    [InlineData("console:runs/metrics.txt", MetricsKind.Console, "runs/metrics.txt", "127.0.0.1", 9464)]
    [InlineData("otlp", MetricsKind.Otlp, null, "127.0.0.1", 9464)]
    [InlineData("prometheus", MetricsKind.Prometheus, null, "127.0.0.1", 9464)]
    [InlineData("prometheus:9100", MetricsKind.Prometheus, null, "127.0.0.1", 9100)]
    [InlineData("prometheus:0.0.0.0:9100", MetricsKind.Prometheus, null, "0.0.0.0", 9100)]
    public void Every_documented_form_parses_to_its_target(string text, MetricsKind kind, string? path, string host, int port)
    {
        var target = MetricsTarget.Parse(text);

        Assert.Equal(new MetricsTarget(kind, path, host, port), target);
    }

    [Theory]
    [InlineData("")]
    [InlineData("stdout")]
    [InlineData("console:")]
    [InlineData("otlp:http://collector:4317")]
    [InlineData("prometheus:")]
    [InlineData("prometheus:port")]
    [InlineData("prometheus:0")]
    [InlineData("prometheus:65536")]
    [InlineData("prometheus:-1")]
    [InlineData("prometheus::9100")]
    [InlineData("none:x")]
    public void Anything_else_is_a_format_error_naming_the_value(string text)
    {
        var error = Assert.Throws<FormatException>(() => MetricsTarget.Parse(text));

        Assert.Contains($"--metrics {text}", error.Message);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("console")]
    [InlineData("console:runs/metrics.txt")]
    [InlineData("otlp")]
    [InlineData("prometheus:9464")]
    [InlineData("prometheus:0.0.0.0:9100")]
    public void Text_form_parses_back_to_the_same_target(string text)
    {
        var target = MetricsTarget.Parse(text);

        Assert.Equal(text, target.ToString());
        Assert.Equal(target, MetricsTarget.Parse(target.ToString()));
    }

    [Fact]
    public void Scrape_url_is_the_metrics_path_on_the_listening_address()
    {
        Assert.Equal("http://127.0.0.1:9464/metrics", MetricsTarget.Parse("prometheus").ScrapeUrl);
        Assert.Equal("http://0.0.0.0:9100/metrics", MetricsTarget.Parse("prometheus:0.0.0.0:9100").ScrapeUrl);
    }
}
