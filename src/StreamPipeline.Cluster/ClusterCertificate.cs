using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace StreamPipeline.Cluster;

/// <summary>
/// Makes the TLS material of one cluster: a self-signed certificate with its private key (RSA 3072, SHA-256, server and
/// client authentication, as the nodes authenticate each other), saved as PKCS#12. Every node gets the same file and
/// accepts only peers presenting it (<see cref="ClusterTls"/> pins its thumbprint), so no CA is involved.
/// </summary>
public static class ClusterCertificate
{
    /// <summary>The file name <c>cluster-cert</c> writes in its folder.</summary>
    public const string FileName = "cluster.pfx";

    /// <summary>
    /// Writes a new certificate to <paramref name="path"/> (created only if absent; its folder made private, the file
    /// readable by its owner alone) and returns its SHA-256 thumbprint. <paramref name="password"/> may be empty: the file
    /// itself is the secret and its permissions protect it.
    /// </summary>
    /// <exception cref="ArgumentException">The file exists (never overwritten: the cluster's nodes would no longer match).</exception>
    public static string Create(string path, string password, TimeSpan validFor)
    {
        if (File.Exists(path) || Directory.Exists(path))
            throw new ArgumentException($"{path} already exists; a new certificate would lock out every node holding the old one (remove it first to replace it)");
        using var key = RSA.Create(3072);
        var request = new CertificateRequest("CN=stream-pipeline cluster", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false)); // server and client authentication
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now + validFor);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var created = !Directory.Exists(folder);
        Directory.CreateDirectory(folder);
        if (created && !OperatingSystem.IsWindows())
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var bytes = certificate.Export(X509ContentType.Pkcs12, password);
        // Written whole under a temporary name, then renamed (never overwriting): an interrupted run leaves no torn
        // certificate under the final name. Created owner-only from the start: never readable by others, not for a moment.
        var temp = Data.Files.AtomicFile.TempPath(path);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using (var file = new FileStream(temp, options))
            {
                file.Write(bytes);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: false);
            Data.Files.DirectorySync.Flush(folder);
        }
        catch
        {
            Data.Files.AtomicFile.TryDelete(temp);
            throw;
        }
        return certificate.GetCertHashString(HashAlgorithmName.SHA256);
    }
}
