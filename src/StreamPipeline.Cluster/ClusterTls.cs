using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;
using Akka.Remote.Transport.DotNetty;

namespace StreamPipeline.Cluster;

/// <summary>
/// TLS for the cluster's Akka.Remote links: every node presents the same certificate (stream-pipeline.cluster.tls) and
/// accepts a peer only when it presents that certificate too — mutual authentication, pinned by thumbprint, so no CA is
/// needed and a node without the file cannot join.
/// </summary>
public static class ClusterTls
{
    /// <summary>The SSL setup of the node, or null when no certificate is configured.</summary>
    public static DotNettySslSetup? From(Config config)
    {
        var tls = config.WithFallback(ClusterSystem.DefaultConfig).GetConfig("stream-pipeline.cluster.tls");
        var path = tls.GetString("certificate", "");
        if (string.IsNullOrWhiteSpace(path))
            return null;
        var certificate = Load(path, tls.GetString("password", ""));
        return new DotNettySslSetup(certificate, suppressValidation: false, requireMutualAuthentication: true,
            CertificateValidation.PinnedCertificate(certificate.Thumbprint));
    }

    /// <summary>True when the config names a certificate.</summary>
    public static bool IsConfigured(Config config) =>
        !string.IsNullOrWhiteSpace(config.WithFallback(ClusterSystem.DefaultConfig).GetString("stream-pipeline.cluster.tls.certificate", ""));

    /// <summary>The cluster's certificate with its private key, read from a PKCS#12 file as every node reads it.</summary>
    /// <exception cref="ArgumentException">The file is missing, does not open with the password, or holds no private key.</exception>
    public static X509Certificate2 Load(string path, string password)
    {
        if (!File.Exists(path))
            throw new ArgumentException($"TLS certificate {StreamPipeline.Data.InputText.Show(path)} not found (stream-pipeline.cluster.tls.certificate, --tls-cert)");
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.Exportable);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException($"TLS certificate {path} cannot be read as PKCS#12 with the given password: {e.Message.Split('\n')[0]}", e);
        }
        if (!certificate.HasPrivateKey)
            throw new ArgumentException($"TLS certificate {path} holds no private key (a node must prove it holds the cluster's certificate)");
        return certificate;
    }
}
