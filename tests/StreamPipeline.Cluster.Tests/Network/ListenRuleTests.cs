using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StreamPipeline.Cluster.Network;

namespace StreamPipeline.Cluster.Tests.Network;

/// <summary>
/// The check a node makes after start, on real sockets read back from the kernel's socket table: a socket it opened
/// on every interface in plain TCP is refused unless insecure, and so is a port another process listens on as well
/// (which SO_REUSEPORT would allow). The CLI tests check the same through real nodes; here the sockets are made by hand.
/// </summary>
public sealed class ListenRuleTests
{
    private static readonly Akka.Configuration.Config Plain = ClusterSystem.Merge(new ClusterEndpoint("127.0.0.1", 0, "127.0.0.1"), null);

    [Fact]
    public void A_socket_opened_on_every_interface_in_plain_tcp_is_refused_after_start_unless_insecure()
    {
        Assert.True(SocketTable.IsReadable, "these tests read /proc/self/net/tcp (Linux)");
        var before = ListenRule.Snapshot();
        var loopback = new TcpListener(IPAddress.Loopback, 0);
        loopback.Start();
        try
        {
            ListenRule.AfterStart(before, Plain, insecure: false);
            var everywhere = new TcpListener(IPAddress.Any, 0);
            everywhere.Start();
            try
            {
                var port = ((IPEndPoint)everywhere.LocalEndpoint).Port;
                Assert.Contains(SocketTable.Own(), s => s.Port == port && s.IsWildcard);
                var refused = Assert.Throws<ArgumentException>(() => ListenRule.AfterStart(before, Plain, insecure: false));
                Assert.Contains($"0.0.0.0:{port} in plain TCP", refused.Message);
                ListenRule.AfterStart(before, Plain, insecure: true);
            }
            finally
            {
                everywhere.Stop();
            }
        }
        finally
        {
            loopback.Stop();
        }
    }

    [Fact]
    public void A_port_another_process_listens_on_as_well_is_refused_after_start()
    {
        // Another process listening with SO_REUSEADDR and SO_REUSEPORT, as Akka's tcp-reuse-addr = on makes a node do.
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardInput = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("""
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            s.bind(("127.0.0.1", 0)); s.listen()
            print(s.getsockname()[1], flush=True)
            sys.stdin.read()
            """);
        Process rival;
        try
        {
            rival = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("this test starts a second listening process with python3; install it", e);
        }
        using (rival)
        {
            try
            {
                var port = int.Parse(rival.StandardOutput.ReadLine()!, System.Globalization.CultureInfo.InvariantCulture);
                var before = ListenRule.Snapshot();
                // .NET's ReuseAddress is SO_REUSEADDR and SO_REUSEPORT on Linux: the kernel lets this socket share the port.
                using var shared = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                shared.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                shared.Bind(new IPEndPoint(IPAddress.Loopback, port));
                shared.Listen();
                var refused = Assert.Throws<ArgumentException>(() => ListenRule.AfterStart(before, Plain, insecure: false));
                Assert.Contains($"port {port} is taken", refused.Message);
            }
            finally
            {
                rival.Kill();
            }
        }
    }

    [Fact]
    public void A_port_a_live_socket_listens_on_is_refused_before_start_and_one_in_time_wait_is_not()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var endpoint = new ClusterEndpoint("127.0.0.1", port, "127.0.0.1");
        var taken = Assert.Throws<ArgumentException>(() => ClusterSystem.CheckEndpoint(endpoint, null));
        Assert.Contains($"port {port} on 127.0.0.1 is taken", taken.Message);

        // The listener's side closes first: its end of the connection waits in TIME_WAIT, as a restarted coordinator's old ones do.
        using (var client = new TcpClient())
        {
            client.Connect(IPAddress.Loopback, port);
            using var accepted = listener.AcceptTcpClient();
            listener.Stop();
            accepted.Close();
        }
        Assert.True(SpinWait.SpinUntil(() => InTimeWait(port), TimeSpan.FromSeconds(10)), $"no connection of port {port} in TIME_WAIT");
        ClusterSystem.CheckEndpoint(endpoint, null);
    }

    /// <summary>A connection on local port <paramref name="port"/> waits in TIME_WAIT (state 06 in /proc/net/tcp).</summary>
    private static bool InTimeWait(int port) =>
        File.ReadLines("/proc/self/net/tcp").Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(f => f[3] == "06" && f[1].EndsWith(":" + port.ToString("X4", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
}
