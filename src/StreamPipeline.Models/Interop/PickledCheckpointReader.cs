using System.IO.Compression;
using Razorvine.Pickle;
using StreamPipeline.Data;
using static TorchSharp.torch;

namespace StreamPipeline.Models.Interop;

/// <summary>
/// Reads a file written by <c>torch.save</c> in its zip format (PyTorch ≥ 1.6): the pickle <c>…/data.pkl</c> through
/// <see cref="TorchPickle"/>, each storage from its entry <c>…/data/KEY</c>. A first pass reads the structure only
/// (finding unknown classes and checking every claim, cheaply), then the file is read once with its tensors.
/// </summary>
internal static class PickledCheckpointReader
{
    /// <summary>Deflate expands at most about 1032:1; an entry claiming more than that of its compressed size lies.</summary>
    private const long MaxDeflateRatio = 1032;

    /// <summary>The unpickled top-level object and the class names that were read as placeholders.</summary>
    public static (object Root, IReadOnlyList<string> Unreadable) Read(string path)
    {
        try
        {
            var (_, unreadable) = UnknownClasses.Tolerate(() => Load(path, withData: false));
            lock (UnknownClasses.Gate)
                return (Load(path, withData: true), unreadable);
        }
        catch (TorchPickle.Misfit e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        catch (Exception e) when (e is PickleException or NotImplementedException or InvalidCastException or InvalidDataException or KeyNotFoundException
                                       or InvalidOperationException or EndOfStreamException)
        {
            throw PickleErrors.Unreadable(path, e);
        }
    }

    private static object Load(string path, bool withData)
    {
        using var file = File.OpenRead(path);
        var fileBytes = file.Length;
        using var archive = new ZipArchive(file, ZipArchiveMode.Read);
        var pickle = archive.Entries.FirstOrDefault(e => e.Name == "data.pkl")
            ?? throw new TorchPickle.Misfit("no data.pkl in the zip: not a file torch.save wrote");
        var prefix = pickle.FullName[..^pickle.Name.Length];
        var unpickler = new TorchPickle(claim =>
        {
            var name = $"{prefix}data/{claim.Key}";
            var entry = archive.GetEntry(name)
                ?? throw new TorchPickle.Misfit($"storage '{InputText.Show(claim.Key)}' has no entry {InputText.Show(name)} in the zip");
            // The entry's sizes are claims too: stored, it is inside the file; deflated, it expands at most 1032:1.
            if (entry.Length != claim.Bytes || entry.CompressedLength > fileBytes || entry.Length > entry.CompressedLength * MaxDeflateRatio)
                throw new TorchPickle.Misfit(
                    $"storage '{InputText.Show(claim.Key)}' claims {claim.Count:N0} elements ({claim.Bytes:N0} bytes); its entry holds {entry.Length:N0} bytes ({entry.CompressedLength:N0} in the file of {fileBytes:N0})");
            if (claim.Bytes > Array.MaxLength)
                throw new TorchPickle.Misfit($"storage '{InputText.Show(claim.Key)}' is {claim.Bytes:N0} bytes; storages over 2 GB are not read");
            if (!withData)
                return null;
            var bytes = new byte[claim.Bytes];
            using (var data = entry.Open())
                data.ReadExactly(bytes);
            var tensor = empty(claim.Count, claim.Type);
            tensor.bytes = bytes;
            return tensor;
        });
        using var stream = pickle.Open();
        return unpickler.load(stream);
    }
}
