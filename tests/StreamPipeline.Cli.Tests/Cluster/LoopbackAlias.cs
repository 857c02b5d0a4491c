using System.Diagnostics;

namespace StreamPipeline.Cli.Tests.Cluster;

/// <summary>
/// An address of this machine that is not loopback: 192.0.2.N/32 (TEST-NET-1, never routed) added to the loopback
/// interface for one test and removed on dispose. A socket bound to it, or to 0.0.0.0, is reachable as "another
/// machine's" address would be. Needs root (tests run as root in CI); fails with a clear message otherwise.
/// </summary>
public sealed class LoopbackAlias : IDisposable
{
    public LoopbackAlias()
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var candidate = $"192.0.2.{Random.Shared.Next(10, 250)}";
            var (code, error) = Ip("addr", "add", $"{candidate}/32", "dev", "lo");
            if (code == 0)
            {
                Address = candidate;
                return;
            }
            if (!error.Contains("exists", StringComparison.OrdinalIgnoreCase))
                throw new InvalidOperationException($"`ip addr add {candidate}/32 dev lo` failed ({code}: {error.Trim()}): these tests need root and iproute2");
        }
        throw new InvalidOperationException("no free 192.0.2.N address for the test");
    }

    public string Address { get; } = "";

    public void Dispose() => Ip("addr", "del", $"{Address}/32", "dev", "lo");

    private static (int Code, string Error) Ip(params string[] args)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        try
        {
            using var ip = Process.Start(info)!;
            var error = ip.StandardError.ReadToEnd();
            ip.WaitForExit();
            return (ip.ExitCode, error);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("these tests add a test address with `ip` (Debian package iproute2); install it", e);
        }
    }
}
