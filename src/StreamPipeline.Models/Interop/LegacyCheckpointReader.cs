using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using Razorvine.Pickle;
using Razorvine.Pickle.Objects;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace StreamPipeline.Models.Interop;

/// <summary>
/// Reads <c>torch.save</c>'s legacy format (PyTorch before 1.6, and <c>_use_new_zipfile_serialization=False</c>), in
/// which checkpoints such as the 2019 <c>robustness</c> releases were written: four pickles in a row (magic number,
/// protocol 1001, system info, the object whose tensors point at storages by key), a pickled list of storage keys,
/// then each storage's element count (int64, little-endian) and raw bytes in that order. The pickles are read with
/// Razorvine.Pickle (as TorchSharp.PyBridge does for the zip format); each storage becomes one tensor that the
/// object's tensors are strided views of, filled once the raw bytes are reached.
/// </summary>
internal static class LegacyCheckpointReader
{
    private static readonly BigInteger MagicNumber = BigInteger.Parse("119547037146038801333356", System.Globalization.CultureInfo.InvariantCulture); // 0x1950a86a20f9469cfc6c
    private const int ProtocolVersion = 1001;
    private static bool _rebuildWrapped;

    public static (object Root, IReadOnlyList<string> Unreadable) Read(string path)
    {
        try
        {
            return UnknownClasses.Tolerate(() =>
            {
                WrapRebuildConstructors();
                using var stream = new BufferedStream(File.OpenRead(path), 1 << 20);
                return ReadFrom(stream, path);
            });
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
        var unpickler = new StorageUnpickler();
        var root = unpickler.load(stream);
        var keys = new Unpickler().load(stream) as System.Collections.ArrayList
            ?? throw new InvalidDataException($"{path}: the storage key list is missing");

        var header = new byte[sizeof(long)];
        foreach (var key in keys.Cast<string>())
        {
            stream.ReadExactly(header);
            var count = BinaryPrimitives.ReadInt64LittleEndian(header);
            if (!unpickler.Storages.TryGetValue(key, out var storage) || storage.Data.NumberOfElements != count)
                throw new InvalidDataException($"{path}: storage '{key}' has {count} elements on disk, the pickle expects {(storage is null ? "none" : storage.Data.NumberOfElements)}");
            var bytes = new byte[checked(count * storage.Data.ElementSize)];
            stream.ReadExactly(bytes);
            storage.Data.bytes = bytes;
        }
        return root;
    }

    /// <summary>
    /// Tensors are rebuilt by <c>torch._utils._rebuild_tensor_v2</c>, whose constructor TorchSharp.PyBridge registered
    /// for its own storages; ours are handled here and everything else is passed on to it.
    /// </summary>
    private static void WrapRebuildConstructors()
    {
        if (_rebuildWrapped) return;
        RuntimeHelpers.RunClassConstructor(typeof(PyTorchUnpickler).TypeHandle); // PyBridge registers its constructors first
        foreach (var name in new[] { "_rebuild_tensor_v2", "_rebuild_tensor" })
            Unpickler.registerConstructor("torch._utils", name, new RebuildTensor(StorageUnpickler.Registered($"torch._utils.{name}")));
        _rebuildWrapped = true;
    }

    private sealed record Storage(string Key, Tensor Data);

    private sealed class StorageUnpickler : Unpickler
    {
        public Dictionary<string, Storage> Storages { get; } = new(StringComparer.Ordinal);

        public static IObjectConstructor? Registered(string name) => objectConstructors.TryGetValue(name, out var c) ? c : null;

        // pid = ('storage', storage class, key, location, element count[, view metadata])
        protected override object persistentLoad(object pid)
        {
            if (pid is not object[] { Length: >= 5 } id || id[0] as string != "storage" || id[1] is not ClassDictConstructor type || id[2] is not string key)
                throw new PickleException("unknown persistent id in a legacy torch.save file");
            if (id.Length > 5 && id[5] is not null)
                throw new NotImplementedException("storage views (PyTorch before 0.4) are not supported; re-save the file with a newer PyTorch");
            if (!Storages.TryGetValue(key, out var storage))
            {
                var count = Convert.ToInt64(id[4], System.Globalization.CultureInfo.InvariantCulture);
                Storages[key] = storage = new Storage(key, empty(count, ScalarTypeOf(type.name)));
            }
            return storage;
        }

        private static ScalarType ScalarTypeOf(string storage) => storage switch
        {
            "DoubleStorage" => ScalarType.Float64,
            "FloatStorage" => ScalarType.Float32,
            "HalfStorage" => ScalarType.Float16,
            "BFloat16Storage" => ScalarType.BFloat16,
            "LongStorage" => ScalarType.Int64,
            "IntStorage" => ScalarType.Int32,
            "ShortStorage" => ScalarType.Int16,
            "CharStorage" => ScalarType.Int8,
            "ByteStorage" => ScalarType.Byte,
            "BoolStorage" => ScalarType.Bool,
            _ => throw new NotImplementedException($"storage type {storage} is not supported"),
        };
    }

    /// <summary>A strided view of one of our storages: (storage, offset, size, stride, ...).</summary>
    private sealed class RebuildTensor(IObjectConstructor? next) : IObjectConstructor
    {
        public object construct(object[] args)
        {
            if (args.Length < 4 || args[0] is not Storage storage)
                return next?.construct(args) ?? throw new PickleException("torch._utils._rebuild_tensor: no constructor for this storage");
            var offset = Convert.ToInt64(args[1], System.Globalization.CultureInfo.InvariantCulture);
            var size = ((object[])args[2]).Select(v => Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            var stride = ((object[])args[3]).Select(v => Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            return storage.Data.as_strided(size, stride, offset);
        }
    }
}
