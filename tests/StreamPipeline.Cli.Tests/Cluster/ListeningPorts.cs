using System.Diagnostics;
using System.Text.RegularExpressions;

namespace StreamPipeline.Cli.Tests.Cluster;

/// <summary>
/// The TCP sockets a process listens on, as the kernel's socket table shows them through <c>ss -ltnp</c> (iproute2):
/// what a node really bound, read by a tool independent of the program. IPv4-mapped IPv6 addresses are shown as IPv4
/// and every wildcard as <c>*</c>.
/// </summary>
public static partial class ListeningPorts
{
    public sealed record Socket(string Address, int Port)
    {
        public bool IsWildcard => Address == "*";

        public bool IsLoopback => Address.StartsWith("127.", StringComparison.Ordinal) || Address == "::1";

        public override string ToString() => $"{Address}:{Port}";
    }

    /// <summary>The listening sockets of process <paramref name="pid"/>.</summary>
    public static IReadOnlyList<Socket> Of(int pid) =>
        Table().Where(line => line.Contains($"pid={pid},", StringComparison.Ordinal)).Select(Local).ToList();

    /// <summary>Waits until process <paramref name="pid"/> listens on <paramref name="port"/>, and returns all it listens on.</summary>
    public static IReadOnlyList<Socket> WaitFor(int pid, int port, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var sockets = Of(pid);
            if (sockets.Any(s => s.Port == port) || clock.Elapsed > timeout)
                return sockets;
            Thread.Sleep(100);
        }
    }

    /// <summary>The processes listening on <paramref name="port"/> (any address).</summary>
    public static IReadOnlyList<int> ProcessesOn(int port) =>
        Table().Where(line => Local(line).Port == port)
            .SelectMany(line => PidPattern().Matches(line).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)))
            .Distinct()
            .ToList();

    /// <summary>One line per listening socket: <c>LISTEN 0 4096 [::ffff:127.0.0.1]:24111 *:* users:(("dotnet",pid=18170,fd=171))</c>.</summary>
    private static string[] Table()
    {
        var info = new ProcessStartInfo("ss", "-ltnpH") { RedirectStandardOutput = true, RedirectStandardError = true };
        Process ss;
        try
        {
            ss = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("these tests read the socket table with `ss` (Debian package iproute2); install it", e);
        }
        using (ss)
        {
            var output = ss.StandardOutput.ReadToEnd();
            ss.WaitForExit();
            if (ss.ExitCode != 0)
                throw new InvalidOperationException($"ss -ltnpH failed ({ss.ExitCode}): {ss.StandardError.ReadToEnd()}");
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
    }

    private static Socket Local(string line) => Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3]);

    private static Socket Parse(string local)
    {
        var colon = local.LastIndexOf(':');
        var address = local[..colon].Trim('[', ']');
        if (address.StartsWith("::ffff:", StringComparison.Ordinal))
            address = address["::ffff:".Length..];
        if (address is "0.0.0.0" or "::" or "*")
            address = "*";
        return new Socket(address, int.Parse(local[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"pid=(\d+),")]
    private static partial Regex PidPattern();
}
