using System.Globalization;

namespace StreamPipeline.Cli.Observability;

/// <summary>
/// The parsed value of <c>--metrics</c>: <c>none</c>, <c>console[:PATH]</c> (stderr, or a file), <c>otlp</c>
/// (OTEL_EXPORTER_OTLP_ENDPOINT) or <c>prometheus[:[HOST:]PORT]</c> (a scrape endpoint, 127.0.0.1:9464 by default).
/// </summary>
/// <param name="Path">console: the file to append to; null for stderr.</param>
/// <param name="Host">prometheus: the address to listen on; <see cref="AllInterfaces"/> for every interface.</param>
public sealed record MetricsTarget(MetricsKind Kind, string? Path = null, string Host = MetricsTarget.Loopback, int Port = MetricsTarget.DefaultPort)
{
    /// <summary>The Prometheus exporter's registered default port (prometheus/prometheus wiki, "Default port allocations").</summary>
    public const int DefaultPort = 9464;

    /// <summary>Loopback by address, not by name: "localhost" may resolve to ::1 first, and a scraper of 127.0.0.1 would miss it.</summary>
    public const string Loopback = "127.0.0.1";

    public const string AllInterfaces = "0.0.0.0";

    public const string Syntax = "none | console[:PATH] | otlp | prometheus[:[HOST:]PORT]";

    public static MetricsTarget None { get; } = new(MetricsKind.None);

    /// <summary>Where Prometheus scrapes, for messages and the README.</summary>
    public string ScrapeUrl => $"http://{Host}:{Port}/metrics";

    /// <summary>The --metrics text that parses back to this target (--help shows the default this way).</summary>
    public override string ToString() => Kind switch
    {
        MetricsKind.None => "none",
        MetricsKind.Otlp => "otlp",
        MetricsKind.Console => Path is null ? "console" : $"console:{Path}",
        _ => Host == Loopback ? $"prometheus:{Port}" : $"prometheus:{Host}:{Port}",
    };

    /// <exception cref="FormatException">The text is none of the forms in <see cref="Syntax"/>.</exception>
    public static MetricsTarget Parse(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var kind = colon < 0 ? text : text[..colon];
        var rest = colon < 0 ? null : text[(colon + 1)..];
        return kind switch
        {
            "none" when rest is null => None,
            "otlp" when rest is null => new MetricsTarget(MetricsKind.Otlp),
            "console" when rest is null => new MetricsTarget(MetricsKind.Console),
            "console" when rest.Length > 0 => new MetricsTarget(MetricsKind.Console, Path: rest),
            "prometheus" when rest is null => new MetricsTarget(MetricsKind.Prometheus),
            "prometheus" => Prometheus(rest, text),
            _ => throw new FormatException($"--metrics {text}: expected {Syntax}"),
        };
    }

    private static MetricsTarget Prometheus(string address, string text)
    {
        var colon = address.LastIndexOf(':');
        var host = colon < 0 ? Loopback : address[..colon];
        var portText = colon < 0 ? address : address[(colon + 1)..];
        if (host.Length == 0 || host.Contains(':', StringComparison.Ordinal))
            throw new FormatException($"--metrics {text}: expected prometheus:PORT or prometheus:HOST:PORT");
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            throw new FormatException($"--metrics {text}: the port must be a number from 1 to 65535");
        return new MetricsTarget(MetricsKind.Prometheus, Host: host, Port: port);
    }
}
