using System.Globalization;
using System.Net;

namespace StreamPipeline.Cluster.Network;

/// <summary>
/// The listening TCP sockets of this process's network namespace, read from the kernel (/proc/net/tcp and tcp6, Linux
/// only): what a node really bound, after every setting was merged, rather than what it was asked to bind.
/// </summary>
public static class SocketTable
{
    private const string Listen = "0A";

    /// <summary>False where there is no /proc socket table (not Linux): nothing can be checked after start.</summary>
    public static bool IsReadable => File.Exists("/proc/self/net/tcp");

    /// <summary>Every listening socket in the namespace, whoever holds it.</summary>
    public static IReadOnlyList<ListeningSocket> Listening() =>
        [.. Read("/proc/self/net/tcp"), .. Read("/proc/self/net/tcp6")];

    /// <summary>The inodes of the sockets this process holds open (its file descriptors that are sockets).</summary>
    public static IReadOnlySet<long> OwnInodes()
    {
        var inodes = new HashSet<long>();
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            string? target;
            try
            {
                target = new FileInfo(fd).LinkTarget;
            }
            catch (IOException)
            {
                continue; // closed meanwhile
            }
            if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)
                && long.TryParse(target.AsSpan(8, target.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
                inodes.Add(inode);
        }
        return inodes;
    }

    /// <summary>The listening sockets this process holds.</summary>
    public static IReadOnlyList<ListeningSocket> Own()
    {
        var own = OwnInodes();
        return Listening().Where(s => own.Contains(s.Inode)).ToList();
    }

    private static IEnumerable<ListeningSocket> Read(string table)
    {
        if (!File.Exists(table))
            yield break;
        // "  sl  local_address rem_address   st tx_queue:rx_queue tr:tm->when retrnsmt   uid  timeout inode ..."
        foreach (var line in File.ReadLines(table).Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 10 || fields[3] != Listen)
                continue;
            var colon = fields[1].IndexOf(':', StringComparison.Ordinal);
            var address = Address(fields[1][..colon]);
            var port = int.Parse(fields[1].AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            yield return new ListeningSocket(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address, port, long.Parse(fields[9], CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The kernel prints an address as 32-bit words in host byte order, 8 hex digits each.</summary>
    private static IPAddress Address(string hex)
    {
        var bytes = new byte[hex.Length / 2];
        for (var word = 0; word < hex.Length / 8; word++)
        {
            var value = uint.Parse(hex.AsSpan(word * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            BitConverter.TryWriteBytes(bytes.AsSpan(word * 4, 4), value);
        }
        return new IPAddress(bytes);
    }
}
