using System.Net;

namespace StreamPipeline.Cluster.Network;

/// <summary>A TCP socket in the LISTEN state, as the kernel's socket table shows it; IPv4-mapped IPv6 addresses are shown as IPv4.</summary>
/// <param name="Inode">The socket's inode: which process holds it is found through /proc/PID/fd.</param>
public sealed record ListeningSocket(IPAddress Address, int Port, long Inode)
{
    /// <summary>Bound to every interface (0.0.0.0 or ::).</summary>
    public bool IsWildcard => Address.Equals(IPAddress.Any) || Address.Equals(IPAddress.IPv6Any);

    /// <summary>Reachable from this machine only.</summary>
    public bool IsLoopback => IPAddress.IsLoopback(Address);

    /// <summary>Both take connections for some same address and port: one would steal the other's connections.</summary>
    public bool Overlaps(ListeningSocket other) =>
        Port == other.Port && (IsWildcard || other.IsWildcard || Address.Equals(other.Address));

    public override string ToString() => Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{Address}]:{Port}" : $"{Address}:{Port}";
}
