using System.CommandLine;
using System.Globalization;
using StreamPipeline.Cluster;

namespace StreamPipeline.Cli.Commands;

/// <summary><c>stream-pipeline cluster-cert</c>: makes the TLS material a cluster's nodes share (no openssl needed).</summary>
public static class ClusterCertCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { HelpName = "DIR", Description = $"Folder to write {ClusterCertificate.FileName} into (created private, mode 0700, if absent).", Required = true };
        var days = new Option<int>("--days") { Description = "Days the certificate stays valid.", DefaultValueFactory = _ => 365 };
        var command = new Command("cluster-cert",
            $"Make a cluster's TLS certificate: DIR/{ClusterCertificate.FileName}, a self-signed certificate and its key (PKCS#12, readable by its owner " +
            $"only) that every node is given with --tls-cert; nodes then accept only peers holding the same file. Encrypted with " +
            $"${ClusterOptions.TlsPasswordVariable} when that is set (nodes then need it too). Never overwrites an existing file.")
        {
            output, days,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(token =>
        {
            var validDays = parse.GetValue(days);
            if (validDays is < 1 or > 3650)
                throw new UsageException($"--days must be between 1 and 3650, got {validDays}");
            var path = Path.Combine(parse.GetValue(output)!, ClusterCertificate.FileName);
            var password = Environment.GetEnvironmentVariable(ClusterOptions.TlsPasswordVariable) ?? "";
            var thumbprint = ClusterCertificate.Create(path, password, TimeSpan.FromDays(validDays));
            Console.Error.WriteLine($"cluster-cert: wrote {path} (valid {validDays.ToString(CultureInfo.InvariantCulture)} days, sha256 {thumbprint[..16].ToLowerInvariant()}…); " +
                                    "give it to every node with --tls-cert");
            Console.WriteLine(Path.GetFullPath(path));
            return Task.FromResult(ExitCodes.Success);
        }, ct));
        return command;
    }
}
