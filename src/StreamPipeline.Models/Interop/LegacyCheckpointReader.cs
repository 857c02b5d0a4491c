using System.Buffers.Binary;
using System.Numerics;
using Razorvine.Pickle;
using StreamPipeline.Data;
using static TorchSharp.torch;

namespace StreamPipeline.Models.Interop;

/// <summary>
/// Reads <c>torch.save</c>'s legacy format (PyTorch before 1.6, and <c>_use_new_zipfile_serialization=False</c>), in
/// which checkpoints such as the 2019 <c>robustness</c> releases were written: four pickles in a row (magic number,
/// protocol 1001, system info, the object whose tensors point at storages by key), a pickled list of storage keys,
/// then each storage's element count (int64, little-endian) and raw bytes in that order. The pickles are read with
/// Razorvine.Pickle through <see cref="TorchPickle"/>; each storage becomes one tensor that the object's tensors are
/// strided views of, filled once the raw bytes are reached. All storages together may claim no more bytes than the file has.
/// </summary>
internal static class LegacyCheckpointReader
{
    private static readonly BigInteger MagicNumber = BigInteger.Parse("119547037146038801333356", System.Globalization.CultureInfo.InvariantCulture); // 0x1950a86a20f9469cfc6c
    private const int ProtocolVersion = 1001;

    public static (object Root, IReadOnlyList<string> Unreadable) Read(string path)
    {
        try
        {
            return UnknownClasses.Tolerate(() =>
            {
                using var stream = new BufferedStream(File.OpenRead(path), 1 << 20);
                return ReadFrom(stream, path);
            });
        }
        catch (TorchPickle.Misfit e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        catch (Exception e) when (e is PickleException or NotImplementedException or InvalidCastException or KeyNotFoundException or EndOfStreamException or OverflowException or FormatException)
        {
            throw PickleErrors.Unreadable(path, e);
        }
    }

    private static object ReadFrom(Stream stream, string path)
    {
        if (new Unpickler().load(stream) is not BigInteger magic || magic != MagicNumber)
            throw new InvalidDataException($"{path}: not a PyTorch checkpoint (a pickle without torch.save's magic number)");
        if (Convert.ToInt32(new Unpickler().load(stream), System.Globalization.CultureInfo.InvariantCulture) != ProtocolVersion)
            throw new InvalidDataException($"{path}: unsupported legacy torch.save protocol version");
        new Unpickler().load(stream); // system info: byte order and type sizes of the writer
        var fileBytes = stream.Length;
        long claimed = 0;
        var unpickler = new TorchPickle(claim =>
        {
            // The raw bytes follow the pickle: storages claiming more than the whole file are not in it.
            if (claim.Bytes > fileBytes - claimed)
                throw new TorchPickle.Misfit(
                    $"storage '{InputText.Show(claim.Key)}' claims {claim.Count:N0} elements ({claim.Bytes:N0} bytes), more than the file's {fileBytes:N0} bytes hold");
            claimed += claim.Bytes;
            return empty(claim.Count, claim.Type);
        });
        var root = unpickler.load(stream);
        var keys = new Unpickler().load(stream) as System.Collections.ArrayList
            ?? throw new InvalidDataException($"{path}: the storage key list is missing");

        var header = new byte[sizeof(long)];
        var filled = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in keys.Cast<string>())
        {
            stream.ReadExactly(header);
            var count = BinaryPrimitives.ReadInt64LittleEndian(header);
            if (!unpickler.Storages.TryGetValue(key, out var storage) || storage.Count != count || !filled.Add(key))
                throw new InvalidDataException(
                    $"{path}: storage '{InputText.Show(key)}' has {count} elements on disk, the pickle expects {(storage is null ? "none" : storage.Count)}");
            var bytes = new byte[storage.Claim.Bytes];
            stream.ReadExactly(bytes);
            storage.Data!.bytes = bytes;
        }
        var unfilled = unpickler.Storages.Keys.FirstOrDefault(k => !filled.Contains(k));
        if (unfilled is not null)
            throw new InvalidDataException($"{path}: storage '{InputText.Show(unfilled)}' has no data in the file");
        return root;
    }
}
