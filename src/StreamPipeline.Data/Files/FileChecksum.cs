using System.Security.Cryptography;

namespace StreamPipeline.Data.Files;

/// <summary>The checksum the program records for files (shards, checkpoints) and hashes (spec hash): SHA-256, lowercase hex.</summary>
public static class FileChecksum
{
    public static string Sha256Of(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static async Task<string> Sha256Async(Stream stream, CancellationToken ct) =>
        Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct).ConfigureAwait(false));

    public static string Sha256Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>True when two checksums are the same (case-insensitive hex).</summary>
    public static bool Same(string? a, string? b) => a is not null && b is not null && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>The first 12 hex digits, for messages.</summary>
    public static string Short(string sha) => sha.Length > 12 ? sha[..12] : sha;
}
