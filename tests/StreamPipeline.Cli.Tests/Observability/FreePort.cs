using System.Net;
using System.Net.Sockets;

namespace StreamPipeline.Cli.Tests.Observability;

/// <summary>
/// A loopback TCP port nothing listens on at the moment of asking, for a program the test starts to listen on.
/// </summary>
/// <remarks>
/// The port is drawn below Linux's ephemeral range (32768–60999 by default). A port the kernel hands out for
/// <c>bind(0)</c> comes from that range, and between the test releasing it and the program binding it, any outgoing
/// connection on the machine (a scrape, a cluster node's) may take it as its local port: the program then fails to
/// listen. Ports below the range are only ever taken by an explicit bind.
/// </remarks>
public static class FreePort
{
    private const int Lowest = 20000;
    private const int BelowEphemeral = 32768;

    public static int Next()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(Lowest, BelowEphemeral);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                listener.Stop();
                return port;
            }
            catch (SocketException)
            {
                // taken; draw again
            }
        }
        throw new InvalidOperationException($"no free loopback port in [{Lowest}, {BelowEphemeral}) after 200 draws");
    }
}
