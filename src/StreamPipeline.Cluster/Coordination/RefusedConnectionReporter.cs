using System.Net;
using System.Security.Authentication;
using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Event;
using DotNetty.Handlers.Tls;

namespace StreamPipeline.Cluster.Coordination;

/// <summary>
/// Tells the coordinator's user, in one line per address and reason, that a node could not connect because its TLS
/// handshake failed: a worker started without the cluster's --tls-cert, or with another certificate. Such a worker
/// itself only sees a coordinator that does not answer.
/// </summary>
/// <remarks>
/// Akka.Remote (1.5, DotNetty transport) raises no event for a refused inbound connection; it only logs it: an error
/// "TLS handshake failed on channel [LOCAL-&gt;REMOTE](Id=…)" whose cause says why, then the warning "Rejected incoming
/// connection from [REMOTE] due to TLS handshake failure". This actor reads those two log events from the event
/// stream (the coordinator lowers the bus to warnings for it; the program's logger still echoes only what
/// akka.loglevel asks for). A test holds the wording to the Akka version in use.
/// </remarks>
public sealed partial class RefusedConnectionReporter : ReceiveActor
{
    private readonly Dictionary<string, string> _reasonByPeer = new(StringComparer.Ordinal);
    private readonly HashSet<string> _told = new(StringComparer.Ordinal);

    public static Props Props(Action<string> say) => Akka.Actor.Props.Create(() => new RefusedConnectionReporter(say));

    public RefusedConnectionReporter(Action<string> say)
    {
        Receive<Error>(e =>
        {
            if (HandshakeFailed().Match(e.Message?.ToString() ?? "") is { Success: true } failed && e.Cause is not null)
                _reasonByPeer[failed.Groups["peer"].Value] = Reason(e.Cause);
        });
        Receive<Warning>(e =>
        {
            if (Rejected().Match(e.Message?.ToString() ?? "") is not { Success: true } rejected)
                return;
            var peer = rejected.Groups["peer"].Value;
            var reason = _reasonByPeer.Remove(peer, out var known) ? known : "its TLS handshake failed";
            var host = Host(peer);
            // A refused worker retries every few seconds: one line per address and reason, not one per attempt.
            if (_told.Add($"{host} {reason}"))
                say($"refused a connection from {host}: {reason}; further attempts from there are not shown");
        });
    }

    /// <summary>Why the handshake failed, as the one who started the node would say it.</summary>
    public static string Reason(Exception cause)
    {
        var chain = Chain(cause).ToList();
        if (chain.OfType<NotSslRecordException>().Any())
            return "it spoke plain TCP, not TLS (a node started without this cluster's --tls-cert)";
        // Mutual TLS with the certificate pinned: the peer's certificate (or its lack of one) failed the check.
        if (chain.OfType<AuthenticationException>().Any())
            return "its certificate is not this cluster's (a node given another --tls-cert, or none)";
        // Connected and closed without a word: what a TCP health check (Kubernetes' tcpSocket probe) or a port scan does.
        if (chain.OfType<IOException>().Any())
            return "it closed the connection before any TLS handshake (a TCP health check or a port scan does this)";
        return $"its TLS handshake failed ({cause.GetType().Name}: {cause.Message.ReplaceLineEndings(" ")})";
    }

    private static IEnumerable<Exception> Chain(Exception cause)
    {
        for (var e = cause; e is not null; e = e is AggregateException { InnerExceptions.Count: > 0 } many ? many.InnerExceptions[0] : e.InnerException)
            yield return e;
    }

    /// <summary>The peer's address without its (ephemeral) port; an IPv4 address as such, not IPv4-mapped IPv6.</summary>
    public static string Host(string peer)
    {
        if (!IPEndPoint.TryParse(peer, out var endpoint))
            return peer;
        var address = endpoint.Address.IsIPv4MappedToIPv6 ? endpoint.Address.MapToIPv4() : endpoint.Address;
        return address.ToString();
    }

    [GeneratedRegex(@"^TLS handshake failed on channel \[.+?->(?<peer>.+?)\]\(Id=")]
    private static partial Regex HandshakeFailed();

    [GeneratedRegex(@"^Rejected incoming connection from \[(?<peer>.+?)\] due to TLS handshake failure")]
    private static partial Regex Rejected();
}
