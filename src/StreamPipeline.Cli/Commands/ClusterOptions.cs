using System.CommandLine;
using System.Net;

namespace StreamPipeline.Cli.Commands;

/// <summary>The network options of a cluster node (build --serve, worker): where it listens, how others reach it, and whether plain TCP is accepted.</summary>
public sealed class ClusterOptions
{
    public ClusterOptions(int defaultPort)
    {
        Host = new Option<string>("--host") { Description = "Address to listen on: 127.0.0.1 (default, this machine only) or 0.0.0.0 (every interface; needs --insecure).", DefaultValueFactory = _ => "127.0.0.1" };
        Port = new Option<int>("--port") { Description = $"TCP port to listen on (default {defaultPort}; 0 picks a free one).", DefaultValueFactory = _ => defaultPort };
        PublicHost = new Option<string?>("--public-host") { Description = "Address other nodes reach this one at (default: --host, or this machine's name when --host is 0.0.0.0)." };
        Insecure = new Option<bool>("--insecure") { Description = "Accept plain TCP on an address other machines can reach (anyone who can reach the port can join)." };
        Settings = new Option<string?>("--cluster-conf") { HelpName = "FILE", Description = "HOCON overriding hocon/cluster.conf (lease duration, timeouts, split-brain resolver, TLS)." };
    }

    public Option<string> Host { get; }
    public Option<int> Port { get; }
    public Option<string?> PublicHost { get; }
    public Option<bool> Insecure { get; }
    public Option<string?> Settings { get; }

    public void AddTo(Command command)
    {
        command.Options.Add(Host);
        command.Options.Add(Port);
        command.Options.Add(PublicHost);
        command.Options.Add(Insecure);
        command.Options.Add(Settings);
    }

    /// <summary>The node's Akka settings: --cluster-conf over the program's stderr logging.</summary>
    public Akka.Configuration.Config Config(ParseResult parse) =>
        parse.GetValue(Settings) is { } file
            ? StreamPipeline.Pipeline.Configuration.SpecConfig.ParseFile(file, "cluster settings").WithFallback(StderrLogger.Config)
            : StderrLogger.Config;

    /// <summary>(bind host, port, public host), checked: listening beyond loopback needs --insecure.</summary>
    public (string Bind, int Port, string Public) Resolve(ParseResult parse)
    {
        var host = parse.GetValue(Host)!;
        var port = parse.GetValue(Port);
        if (port is < 0 or > 65535)
            throw new UsageException($"--port must be between 0 and 65535, got {port}");
        if (!IsLoopback(host) && !parse.GetValue(Insecure))
            throw new UsageException($"--host {host} lets other machines reach this node over plain TCP; add --insecure to accept that");
        var publicHost = parse.GetValue(PublicHost) ?? (host is "0.0.0.0" or "::" ? Dns.GetHostName() : host);
        return (host, port, publicHost);
    }

    private static bool IsLoopback(string host) =>
        host == "localhost" || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
}
