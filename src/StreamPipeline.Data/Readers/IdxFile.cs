using System.IO.Compression;
using Microsoft.Win32.SafeHandles;

namespace StreamPipeline.Data.Readers;

/// <summary>
/// An IDX file's header and random access to its items. A raw file is read by positioned reads
/// (thread-safe, nothing loaded up front); a gzip file cannot be seeked, so it is decompressed once
/// into a byte array — fine for MNIST-sized files (47 MB for the Fashion-MNIST training images),
/// limited to 2 GB by the array.
/// </summary>
internal sealed class IdxFile : IDisposable
{
    private readonly SafeFileHandle? _handle;
    private readonly byte[]? _bytes;

    public string Path { get; }

    public IdxHeader Header { get; }

    private IdxFile(string path, IdxHeader header, SafeFileHandle? handle, byte[]? bytes)
    {
        Path = path;
        Header = header;
        _handle = handle;
        _bytes = bytes;
    }

    /// <summary>Opens and validates <paramref name="path"/> (gzip detected by its magic bytes 1f 8b).</summary>
    public static IdxFile Open(string path, int expectedMagic)
    {
        if (!File.Exists(path))
            throw new DataFormatException($"{InputText.Show(path)}: file not found");
        var handle = File.OpenHandle(path);
        try
        {
            var start = new byte[IdxHeader.MaxBytes];
            var read = RandomAccess.Read(handle, start, 0);
            if (read >= 2 && start[0] == 0x1f && start[1] == 0x8b)
            {
                handle.Dispose();
                var bytes = Decompress(path);
                var header = Validated(IdxHeader.Parse(bytes, expectedMagic, path), bytes.Length, path);
                return new IdxFile(path, header, null, bytes);
            }
            var rawHeader = Validated(IdxHeader.Parse(start.AsSpan(0, read), expectedMagic, path), RandomAccess.GetLength(handle), path);
            return new IdxFile(path, rawHeader, handle, null);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Copies items [first, first + destination.Length / ItemSize) into <paramref name="destination"/>.</summary>
    public void Read(long first, Span<byte> destination)
    {
        var offset = Header.ByteCount + first * Header.ItemSize;
        if (_bytes is not null)
        {
            _bytes.AsSpan(checked((int)offset), destination.Length).CopyTo(destination);
            return;
        }
        // Validated at open, so a short read means the file changed underneath us.
        var done = 0;
        while (done < destination.Length)
        {
            var n = RandomAccess.Read(_handle!, destination[done..], offset + done);
            if (n == 0)
                throw new DataFormatException($"{Path}: file ended early (changed since it was opened?)");
            done += n;
        }
    }

    public void Dispose() => _handle?.Dispose();

    private static IdxHeader Validated(IdxHeader header, long length, string path)
    {
        var needed = header.ByteCount + (decimal)header.Count * header.ItemSize; // decimal: crafted dimensions must not overflow
        if (needed > length)
            throw new DataFormatException(
                $"{path}: truncated, header declares {header.Count} items of {header.ItemSize} bytes ({needed} bytes) but the data has {length}");
        return header;
    }

    private static byte[] Decompress(string path)
    {
        try
        {
            using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
            using var memory = new MemoryStream();
            gzip.CopyTo(memory);
            return memory.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{path}: corrupt gzip data ({e.Message})", e);
        }
    }
}
