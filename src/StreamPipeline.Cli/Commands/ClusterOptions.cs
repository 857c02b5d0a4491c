using System.CommandLine;
using System.Net;

namespace StreamPipeline.Cli.Commands;

/// <summary>The network options of a cluster node (build --serve, worker): where it listens, how others reach it, and whether plain TCP is accepted.</summary>
public sealed class ClusterOptions
{
    public ClusterOptions(int defaultPort)
    {
        Host = new Option<string>("--host") { Description = "Address to listen on: 127.0.0.1 (default, this machine only) or 0.0.0.0 (every interface; needs --tls-cert or --insecure).", DefaultValueFactory = _ => "127.0.0.1" };
        Port = new Option<int>("--port") { Description = $"TCP port to listen on (default {defaultPort}; 0 picks a free one).", DefaultValueFactory = _ => defaultPort };
        PublicHost = new Option<string?>("--public-host") { Description = "Address other nodes reach this one at, advertised only: the node listens on --host (default: --host, or this machine's name when --host is 0.0.0.0)." };
        Insecure = new Option<bool>("--insecure") { Description = "Accept plain TCP on an address other machines can reach (anyone who can reach the port can join)." };
        TlsCertificate = new Option<string?>("--tls-cert")
        {
            HelpName = "FILE",
            Description = $"PKCS#12 file (certificate and key) that every node of the cluster holds: links use TLS and only nodes presenting this certificate can join. Its password is read from ${TlsPasswordVariable}.",
        };
        Settings = new Option<string?>("--cluster-conf") { HelpName = "FILE", Description = "HOCON overriding hocon/cluster.conf (lease duration, timeouts, split-brain resolver, TLS)." };
    }

    public Option<string> Host { get; }
    public Option<int> Port { get; }
    public Option<string?> PublicHost { get; }
    public Option<bool> Insecure { get; }
    public Option<string?> TlsCertificate { get; }
    public Option<string?> Settings { get; }

    public void AddTo(Command command)
    {
        command.Options.Add(Host);
        command.Options.Add(Port);
        command.Options.Add(PublicHost);
        command.Options.Add(Insecure);
        command.Options.Add(TlsCertificate);
        command.Options.Add(Settings);
    }

    /// <summary>The environment variable holding the password of --tls-cert (kept off the command line, which other users can read).</summary>
    public const string TlsPasswordVariable = "STREAMPIPELINE_TLS_PASSWORD";

    /// <summary>The node's Akka settings: --tls-cert over --cluster-conf over the program's stderr logging; a named certificate is loaded here so a bad one is a usage error.</summary>
    public Akka.Configuration.Config Config(ParseResult parse)
    {
        var config = parse.GetValue(Settings) is { } file
            ? StreamPipeline.Configuration.SpecConfig.ParseFile(file, "cluster settings").WithFallback(StderrLogger.Config)
            : StderrLogger.Config;
        if (parse.GetValue(TlsCertificate) is { } certificate)
        {
            var password = Environment.GetEnvironmentVariable(TlsPasswordVariable);
            var tls = new Dictionary<string, object> { ["stream-pipeline.cluster.tls.certificate"] = Path.GetFullPath(certificate) };
            if (password is not null)
                tls["stream-pipeline.cluster.tls.password"] = password;
            config = Akka.Configuration.ConfigurationFactory.ParseString(string.Join('\n', tls.Select(kv => $"{kv.Key} = {Quote((string)kv.Value)}"))).WithFallback(config);
        }
        try
        {
            StreamPipeline.Cluster.ClusterTls.From(config);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        return config;
    }

    /// <summary>
    /// Where the node listens and how others reach it, checked before any work on the node's merged settings (these
    /// flags, --cluster-conf, TLS): listening beyond loopback needs TLS (--tls-cert) or --insecure, and the port must be free.
    /// </summary>
    public StreamPipeline.Cluster.ClusterEndpoint Resolve(ParseResult parse, Akka.Configuration.Config config)
    {
        var host = parse.GetValue(Host)!;
        var port = parse.GetValue(Port);
        if (port is < 0 or > 65535)
            throw new UsageException($"--port must be between 0 and 65535, got {port}");
        var publicHost = parse.GetValue(PublicHost) ?? (host is "0.0.0.0" or "::" ? Dns.GetHostName() : host);
        var endpoint = new StreamPipeline.Cluster.ClusterEndpoint(host, port, publicHost, parse.GetValue(Insecure));
        StreamPipeline.Cluster.ClusterSystem.CheckEndpoint(endpoint, config);
        return endpoint;
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
