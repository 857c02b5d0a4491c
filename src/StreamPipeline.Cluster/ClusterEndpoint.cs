namespace StreamPipeline.Cluster;

/// <summary>Where a cluster node listens, the address other nodes reach it at, and whether plain TCP beyond loopback is allowed.</summary>
/// <param name="BindHost">The address the node's socket is bound to: 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or one interface's address.</param>
/// <param name="Port">0 picks a free port.</param>
/// <param name="PublicHost">The address advertised in the node's cluster address: what other nodes connect to.</param>
/// <param name="Insecure">Plain TCP on an address other machines can reach is allowed (--insecure: anyone who reaches the port joins).</param>
public sealed record ClusterEndpoint(string BindHost, int Port, string PublicHost, bool Insecure = false);
