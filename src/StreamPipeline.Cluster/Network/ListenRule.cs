using System.Net;
using System.Net.Sockets;
using Akka.Configuration;

namespace StreamPipeline.Cluster.Network;

/// <summary>
/// What a cluster node may listen on: no plain-TCP socket on an address other machines can reach unless the user said
/// --insecure, and no port another process already listens on. Checked on the node's final, merged Akka settings
/// (flags, --cluster-conf, TLS) before start, and on the kernel's socket table after start.
/// </summary>
/// <remarks>
/// Akka.NET's DotNetty transport binds <c>hostname</c> and advertises <c>public-hostname</c> (it has no
/// <c>bind-hostname</c>, the JVM's setting), so the address bound is each enabled transport's <c>hostname</c>.
/// </remarks>
public static class ListenRule
{
    private const string Advice = "give --tls-cert FILE (TLS, only holders of the certificate join) or --insecure (plain TCP, anyone who reaches the port joins)";

    /// <summary>Akka.Remote's reference settings, which the actor system adds under the node's own at start.</summary>
    private static readonly Lazy<Config> RemoteDefaults = new(() =>
        ConfigurationFactory.FromResource<Akka.Remote.RemoteSettings>("Akka.Remote.Configuration.Remote.conf"));

    /// <summary>One enabled transport as the actor system will start it.</summary>
    private sealed record Transport(string Path, string Host, int Port, bool Tls);

    /// <summary>
    /// Before start: every enabled transport's bound address is loopback, or it uses the cluster's pinned TLS, or
    /// <paramref name="insecure"/>; with <paramref name="probe"/>, its port is also free (bound here for a moment).
    /// </summary>
    /// <exception cref="ArgumentException">One line naming the address, the setting and the way out.</exception>
    public static void BeforeStart(Config merged, bool insecure, bool probe)
    {
        foreach (var transport in Transports(merged))
        {
            var addresses = Resolve(transport.Host);
            if (!transport.Tls && !insecure && !addresses.All(IsLoopback))
                throw new ArgumentException(
                    $"this node would listen on {transport.Host}:{transport.Port} in plain TCP ({transport.Path}.hostname, from --host or --cluster-conf), " +
                    $"which other machines can reach; {Advice}");
            if (probe)
                EnsureFree(transport.Host, addresses, transport.Port);
        }
    }

    /// <summary>
    /// After start, from the kernel's socket table: every socket this process started listening on since
    /// <paramref name="before"/> is allowed by the rule, and no other process listens on its port and address.
    /// </summary>
    /// <exception cref="ArgumentException">One line naming what listens where.</exception>
    public static void AfterStart(IReadOnlySet<long> before, Config merged, bool insecure)
    {
        if (!SocketTable.IsReadable)
            return;
        var transports = Transports(merged);
        var tls = transports.Count > 0 && transports.All(t => t.Tls);
        var own = SocketTable.OwnInodes();
        var all = SocketTable.Listening();
        foreach (var socket in all.Where(s => own.Contains(s.Inode) && !before.Contains(s.Inode)))
        {
            if (!socket.IsLoopback && !tls && !insecure)
                throw new ArgumentException($"this node listens on {socket} in plain TCP, which other machines can reach; {Advice}");
            if (all.FirstOrDefault(other => !own.Contains(other.Inode) && other.Overlaps(socket)) is { } rival)
                throw new ArgumentException($"port {socket.Port} is taken: another process listens on {rival} as well; choose another --port");
        }
    }

    /// <summary>The inodes of the listening sockets this process holds now (empty where the table cannot be read).</summary>
    public static IReadOnlySet<long> Snapshot() =>
        SocketTable.IsReadable ? SocketTable.Own().Select(s => s.Inode).ToHashSet() : new HashSet<long>();

    /// <summary>Whether an exception from starting an actor system is a bind refused because the port is taken.</summary>
    public static bool IsPortTaken(Exception e) =>
        e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }
        || (e.InnerException is { } inner && IsPortTaken(inner))
        || (e is AggregateException aggregate && aggregate.InnerExceptions.Any(IsPortTaken));

    private static List<Transport> Transports(Config merged)
    {
        var pinned = ClusterTls.IsConfigured(merged);
        // Over Akka.Remote's own defaults, as the actor system will see them (enabled-transports, an empty hostname).
        var config = merged.WithFallback(RemoteDefaults.Value);
        var transports = new List<Transport>();
        foreach (var path in config.GetStringList("akka.remote.enabled-transports"))
        {
            var transport = config.GetConfig(path);
            // Akka binds every interface when hostname is empty.
            var host = transport.GetString("hostname", "");
            transports.Add(new Transport(path, string.IsNullOrWhiteSpace(host) ? IPAddress.Any.ToString() : host, transport.GetInt("port", 0),
                pinned && transport.GetBoolean("enable-ssl", false)));
        }
        return transports;
    }

    private static IPAddress[] Resolve(string host)
    {
        if (IPAddress.TryParse(host, out var address))
            return [address];
        try
        {
            return Dns.GetHostAddresses(host);
        }
        catch (SocketException e)
        {
            throw new ArgumentException($"the address to listen on, {host}, cannot be resolved: {e.Message}", e);
        }
    }

    private static bool IsLoopback(IPAddress address) => IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    /// <summary>
    /// Binds each address for a moment with SO_REUSEADDR alone, as .NET itself binds on Linux: a port whose old
    /// connections wait in TIME_WAIT (a coordinator restarted after a kill) is free, a port a live socket listens on
    /// is not. (Socket.ReuseAddress would add SO_REUSEPORT, with which two listeners share the port.)
    /// </summary>
    private static void EnsureFree(string host, IEnumerable<IPAddress> addresses, int port)
    {
        foreach (var address in addresses)
        {
            // As DotNetty's server channel: dual-mode where the machine has IPv6.
            using var probe = new Socket(SocketType.Stream, ProtocolType.Tcp);
            if (OperatingSystem.IsLinux())
                probe.SetRawSocketOption(1 /* SOL_SOCKET */, 2 /* SO_REUSEADDR */, BitConverter.GetBytes(1));
            try
            {
                probe.Bind(new IPEndPoint(address, port));
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                throw new ArgumentException($"port {port} on {host} is taken: another process listens there; choose another --port", e);
            }
            catch (SocketException e)
            {
                throw new ArgumentException($"cannot listen on {host}:{port}: {e.Message}", e);
            }
        }
    }
}
