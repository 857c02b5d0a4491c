using System.Buffers.Binary;
using TorchSharp.PyBridge;

namespace StreamPipeline.Models.Interop;

/// <summary>Recognises a weights file by its first bytes and reads it with the matching TorchSharp.PyBridge reader.</summary>
internal static class StateDictFile
{
    /// <summary>The format a file name asks for when writing: <c>.safetensors</c>, else PyTorch's.</summary>
    public static StateDictFormat FormatFor(string path) =>
        string.Equals(Path.GetExtension(path), ".safetensors", StringComparison.OrdinalIgnoreCase) ? StateDictFormat.Safetensors : StateDictFormat.PyTorch;

    /// <summary>The unpickled top-level object (or a flat tensor map for safetensors) and the unknown classes met.</summary>
    public static (object Root, StateDictFormat Format, IReadOnlyList<string> Unreadable) Read(string path)
    {
        var head = new byte[9];
        int read;
        long length;
        using (var stream = File.OpenRead(path))
        {
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            length = stream.Length;
        }

        if (read >= 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4)
        {
            var (root, unreadable) = PickledCheckpointReader.Read(path);
            return (root, StateDictFormat.PyTorch, unreadable);
        }
        if (read >= 2 && head[0] == 0x80 && head[1] >= 2)
            throw new InvalidDataException(
                $"{path}: saved in PyTorch's legacy (before 1.6) format, which is not read here; re-save it with a newer PyTorch: " +
                "torch.save(torch.load(SRC, pickle_module=dill), NEW)");
        if (read == head.Length && head[8] == (byte)'{' && BinaryPrimitives.ReadUInt64LittleEndian(head) is var header && header < (ulong)length)
        {
            try
            {
                return (Safetensors.LoadStateDict(path), StateDictFormat.Safetensors, []);
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or NotImplementedException or NotSupportedException or IOException or ArgumentException)
            {
                throw new InvalidDataException($"{path}: cannot read this safetensors file ({e.Message})", e);
            }
        }
        throw new InvalidDataException($"{path}: not a PyTorch checkpoint (torch.save zip format) or a safetensors file");
    }
}
