using System.Security.Cryptography;

namespace StreamPipeline.Pipeline.Sinks;

/// <summary>The checksum recorded for shard files in the manifest.</summary>
public static class FileChecksum
{
    /// <summary>SHA-256 of the file's bytes, lowercase hex.</summary>
    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
