using System.Net;
using System.Net.Sockets;

namespace StreamPipeline.Cli.Tests.Observability;

/// <summary>A loopback TCP port nothing listens on at the moment of asking (the kernel's choice, then released).</summary>
public static class FreePort
{
    public static int Next()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
