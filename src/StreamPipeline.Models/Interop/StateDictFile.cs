using System.Buffers.Binary;

namespace StreamPipeline.Models.Interop;

/// <summary>Recognises a weights file by its first bytes and reads it with the matching reader.</summary>
internal static class StateDictFile
{
    /// <summary>The format a file name asks for when writing: <c>.safetensors</c>, else PyTorch's.</summary>
    public static StateDictFormat FormatFor(string path) =>
        string.Equals(Path.GetExtension(path), ".safetensors", StringComparison.OrdinalIgnoreCase) ? StateDictFormat.Safetensors : StateDictFormat.PyTorch;

    /// <summary>The unpickled top-level object (or a flat tensor map for safetensors), the container format and the unknown classes met.</summary>
    public static (object Root, string Container, IReadOnlyList<string> Unreadable) Read(string path)
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
            return (root, "torch.save zip", unreadable);
        }
        if (read >= 2 && head[0] == 0x80 && head[1] >= 2) // a pickle: torch.save's legacy format
        {
            var (root, unreadable) = LegacyCheckpointReader.Read(path);
            return (root, "torch.save legacy", unreadable);
        }
        if (read == head.Length && head[8] == (byte)'{' && BinaryPrimitives.ReadUInt64LittleEndian(head) is var header && header < (ulong)length)
        {
            try
            {
                return (SafetensorsReader.Read(path), "safetensors", []);
            }
            catch (IOException e)
            {
                throw new InvalidDataException($"{path}: cannot read this safetensors file ({e.Message})", e);
            }
        }
        throw new InvalidDataException($"{path}: not a PyTorch checkpoint (torch.save output) or a safetensors file");
    }
}
