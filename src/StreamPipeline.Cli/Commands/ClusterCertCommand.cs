using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using StreamPipeline.Cluster;

namespace StreamPipeline.Cli.Commands;

/// <summary><c>stream-pipeline cluster-cert</c>: makes the TLS material a cluster's nodes share (no openssl needed).</summary>
public static class ClusterCertCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { HelpName = "DIR", Description = $"Folder to write {ClusterCertificate.FileName} into (created private, mode 0700, if absent).", Required = true };
        var days = new Option<int>("--days") { Description = "Days the certificate stays valid.", DefaultValueFactory = _ => 365 };
        var keep = new Option<bool>("--keep-existing")
        {
            Description = $"When DIR/{ClusterCertificate.FileName} exists, keep it (exit 0) if it opens as the cluster's certificate (with its key, " +
                          "not expired), instead of refusing: for a step that runs before every start of a cluster (compose, an init container).",
        };
        var command = new Command("cluster-cert",
            $"Make a cluster's TLS certificate: DIR/{ClusterCertificate.FileName}, a self-signed certificate and its key (PKCS#12, readable by its owner " +
            $"only) that every node is given with --tls-cert; nodes then accept only peers holding the same file. Encrypted with " +
            $"${ClusterOptions.TlsPasswordVariable} when that is set (nodes then need it too). Never overwrites an existing file.")
        {
            output, days, keep,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(token =>
        {
            var validDays = parse.GetValue(days);
            if (validDays is < 1 or > 3650)
                throw new UsageException($"--days must be between 1 and 3650, got {validDays}");
            var path = Path.Combine(parse.GetValue(output)!, ClusterCertificate.FileName);
            var password = Environment.GetEnvironmentVariable(ClusterOptions.TlsPasswordVariable) ?? "";
            if (parse.GetValue(keep) && File.Exists(path))
                return Task.FromResult(Keep(path, password));
            var thumbprint = ClusterCertificate.Create(path, password, TimeSpan.FromDays(validDays));
            Console.Error.WriteLine($"cluster-cert: wrote {path} (valid {validDays.ToString(CultureInfo.InvariantCulture)} days, sha256 {thumbprint[..16].ToLowerInvariant()}…); " +
                                    "give it to every node with --tls-cert");
            Console.WriteLine(Path.GetFullPath(path));
            return Task.FromResult(ExitCodes.Success);
        }, ct));
        return command;
    }

    /// <summary>
    /// Keeps an existing certificate that the nodes will accept: read as a node reads it (the same password), with
    /// its key and not expired; anything else is a usage error, as a new certificate would lock out the nodes holding
    /// the old file and an unusable one would fail every node later.
    /// </summary>
    private static int Keep(string path, string password)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = ClusterTls.Load(path, password);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"{e.Message}; --keep-existing keeps only a usable certificate (remove the file to make a new one)");
        }
        using (certificate)
        {
            if (certificate.NotAfter.ToUniversalTime() <= DateTime.UtcNow)
                throw new UsageException($"TLS certificate {path} expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}; remove it to make a new one (every node then needs the new file)");
            var thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
            Console.Error.WriteLine($"cluster-cert: kept {path} (valid until {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}, sha256 {thumbprint[..16].ToLowerInvariant()}…)");
        }
        Console.WriteLine(Path.GetFullPath(path));
        return ExitCodes.Success;
    }
}
