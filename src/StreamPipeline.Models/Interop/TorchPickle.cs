using System.Numerics;
using System.Runtime.CompilerServices;
using Razorvine.Pickle;
using Razorvine.Pickle.Objects;
using StreamPipeline.Data;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace StreamPipeline.Models.Interop;

/// <summary>
/// Unpickles the object of a <c>torch.save</c> file (zip or legacy format): each storage, named by a persistent id
/// <c>('storage', type, key, location, element count, …)</c>, becomes one tensor, opened through the reader's callback
/// once its claimed size has been checked; each tensor (<c>torch._utils._rebuild_tensor_v2</c>) becomes a strided view
/// of its storage, after its offset, size and stride have been checked against the storage. Nothing is asked of
/// libtorch before those checks, so a file that claims 2^40 elements or a view past its storage is one clear line
/// (a <see cref="Misfit"/>, which the reader turns into an <see cref="InvalidDataException"/> naming the file).
/// </summary>
internal sealed class TorchPickle : Unpickler
{
    /// <summary>Largest number of tensor dimensions accepted (PyTorch's own limit is 64).</summary>
    private const int MaxDimensions = 64;

    private static bool _rebuildRegistered;

    private readonly Func<StorageClaim, Tensor?> _open;

    /// <param name="open">
    /// Checks a storage's claim against the file and returns its tensor of <see cref="StorageClaim.Count"/> elements,
    /// or null to read the structure only (every tensor is then an empty stand-in).
    /// </param>
    public TorchPickle(Func<StorageClaim, Tensor?> open)
    {
        _open = open;
        RegisterRebuild();
    }

    /// <summary>The storages met so far, by key.</summary>
    public Dictionary<string, Storage> Storages { get; } = new(StringComparer.Ordinal);

    /// <summary>A storage's element type, as its Python class names it.</summary>
    public static (ScalarType Type, int ElementSize) StorageType(string storageClass) => storageClass switch
    {
        "DoubleStorage" => (ScalarType.Float64, 8),
        "FloatStorage" => (ScalarType.Float32, 4),
        "HalfStorage" => (ScalarType.Float16, 2),
        "BFloat16Storage" => (ScalarType.BFloat16, 2),
        "LongStorage" => (ScalarType.Int64, 8),
        "IntStorage" => (ScalarType.Int32, 4),
        "ShortStorage" => (ScalarType.Int16, 2),
        "CharStorage" => (ScalarType.Int8, 1),
        "ByteStorage" => (ScalarType.Byte, 1),
        "BoolStorage" => (ScalarType.Bool, 1),
        _ => throw new Misfit($"storage type {storageClass} is not supported"),
    };

    /// <summary>A whole number from the pickle (int, long or a big integer), or a clear refusal naming <paramref name="what"/>.</summary>
    public static long Integer(object? value, string what) => value switch
    {
        int i => i,
        long l => l,
        BigInteger b when b >= long.MinValue && b <= long.MaxValue => (long)b,
        BigInteger => throw new Misfit($"{what} is out of range"),
        _ => throw new Misfit($"{what} is not a whole number"),
    };

    // pid = ('storage', storage class, key, location, element count[, view metadata])
    protected override object persistentLoad(object pid)
    {
        if (pid is not object[] { Length: >= 5 } id || id[0] as string != "storage" || id[1] is not ClassDictConstructor type || id[2] is not string key)
            throw new Misfit($"unknown persistent id in the pickle (not a torch.save storage)");
        if (id.Length > 5 && id[5] is not null)
            throw new Misfit($"storage views (PyTorch before 0.4) are not supported; re-save the file with a newer PyTorch");
        var (scalar, elementSize) = StorageType(type.name);
        var count = Integer(id[4], $"the element count of storage '{InputText.Show(key)}'");
        if (Storages.TryGetValue(key, out var known))
        {
            if (known.Count != count || known.Type != scalar)
                throw new Misfit($"storage '{InputText.Show(key)}' is declared twice, differently");
            return known;
        }
        if (count < 0)
            throw new Misfit($"storage '{InputText.Show(key)}' claims {count} elements");
        if (count > long.MaxValue / elementSize)
            throw new Misfit($"storage '{InputText.Show(key)}' claims {count:N0} elements, more than any file holds");
        var claim = new StorageClaim(key, scalar, elementSize, count);
        var storage = new Storage(claim, _open(claim));
        Storages[key] = storage;
        return storage;
    }

    /// <summary>
    /// <c>_rebuild_tensor_v2</c> and <c>_rebuild_tensor</c> make views of our storages. TorchSharp.PyBridge registers
    /// its own constructors (and <c>OrderedDict</c>'s, which is kept) when its class is first touched; ours replace
    /// them after that, once for the process (Razorvine's table is process-wide; reads hold <see cref="UnknownClasses.Gate"/>).
    /// </summary>
    private static void RegisterRebuild()
    {
        if (_rebuildRegistered) return;
        RuntimeHelpers.RunClassConstructor(typeof(PyTorchUnpickler).TypeHandle);
        foreach (var name in new[] { "_rebuild_tensor_v2", "_rebuild_tensor" })
            registerConstructor("torch._utils", name, new RebuildTensor());
        _rebuildRegistered = true;
    }

    /// <summary>Something in the pickle that does not fit; the reader says which file (the message does not).</summary>
    public sealed class Misfit(string message) : Exception(message);

    /// <summary>What a persistent id claims: a storage of <see cref="Count"/> elements of <see cref="Type"/>.</summary>
    public sealed record StorageClaim(string Key, ScalarType Type, int ElementSize, long Count)
    {
        public long Bytes => Count * ElementSize;
    }

    /// <summary>A storage: its claim and its tensor (null when only the structure is read).</summary>
    public sealed record Storage(StorageClaim Claim, Tensor? Data)
    {
        public string Key => Claim.Key;

        public ScalarType Type => Claim.Type;

        public long Count => Claim.Count;
    }

    /// <summary>A strided view of one of our storages: (storage, offset, size, stride, ...), checked before it is made.</summary>
    private sealed class RebuildTensor : IObjectConstructor
    {
        public object construct(object[] args)
        {
            if (args.Length < 4 || args[0] is not Storage storage)
                throw new Misfit("a tensor in the pickle is not built on a torch.save storage");
            var where = $"a tensor on storage '{InputText.Show(storage.Key)}'";
            var offset = Integer(args[1], $"{where}: its storage offset");
            if (args[2] is not object[] sizeItems || args[3] is not object[] strideItems)
                throw new Misfit($"{where}: its size and stride are not tuples");
            if (sizeItems.Length != strideItems.Length || sizeItems.Length > MaxDimensions)
                throw new Misfit($"{where}: {sizeItems.Length} sizes but {strideItems.Length} strides (at most {MaxDimensions})");
            var size = sizeItems.Select(v => Integer(v, $"{where}: a size")).ToArray();
            var stride = strideItems.Select(v => Integer(v, $"{where}: a stride")).ToArray();
            CheckView(storage, offset, size, stride, where);
            return storage.Data is null ? empty(0, storage.Type) : storage.Data.as_strided(size, stride, offset);
        }

        /// <summary>Refuses a negative offset, size or stride, and a view that reaches past its storage's last element.</summary>
        private static void CheckView(Storage storage, long offset, long[] size, long[] stride, string where)
        {
            if (offset < 0 || size.Any(s => s < 0) || stride.Any(s => s < 0))
                throw new Misfit(
                    $"{where}: negative offset, size or stride (offset {offset}, size {TensorText.Shape(size)}, stride {TensorText.Shape(stride)})");
            try
            {
                long elements = 1, last = offset;
                for (var d = 0; d < size.Length; d++)
                {
                    elements = checked(elements * size[d]);
                    if (size[d] > 0) last = checked(last + (size[d] - 1) * stride[d]);
                }
                var end = elements == 0 ? offset : checked(last + 1);
                if (end > storage.Count)
                    throw new Misfit(
                        $"{where}: the view (offset {offset}, size {TensorText.Shape(size)}, stride {TensorText.Shape(stride)}) reaches element {end - 1:N0}, past the storage's {storage.Count:N0} elements");
            }
            catch (OverflowException)
            {
                throw new Misfit($"{where}: size {TensorText.Shape(size)} with stride {TensorText.Shape(stride)} overflows 64 bits");
            }
        }
    }
}
