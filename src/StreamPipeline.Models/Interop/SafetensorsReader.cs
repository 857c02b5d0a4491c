using System.Buffers.Binary;
using System.Text.Json;
using StreamPipeline.Data;
using static TorchSharp.torch;

namespace StreamPipeline.Models.Interop;

/// <summary>
/// Reads a safetensors file (an 8-byte little-endian header length, a JSON header <c>{name: {dtype, shape,
/// data_offsets}}</c>, then the data), checking the whole header against the file before any tensor is made: a known
/// dtype, a shape of non-negative sizes whose bytes fit in 64 bits, offsets inside the data that match the shape, and
/// tensors that neither overlap nor leave holes (the format's own rule, which its reference library enforces).
/// </summary>
internal static class SafetensorsReader
{
    /// <summary>The format's own bound on the header (the reference library refuses larger ones).</summary>
    private const long MaxHeaderBytes = 100_000_000;

    private const int MaxDimensions = 64;

    public static Dictionary<string, Tensor> Read(string path)
    {
        using var file = File.OpenRead(path);
        var fileBytes = file.Length;
        Span<byte> lengthBytes = stackalloc byte[8];
        file.ReadExactly(lengthBytes);
        var headerBytes = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerBytes > (ulong)(fileBytes - 8) || headerBytes > MaxHeaderBytes)
            throw new InvalidDataException($"{path}: the safetensors header claims {headerBytes:N0} bytes; the file has {fileBytes - 8:N0} after the length");
        var header = new byte[headerBytes];
        file.ReadExactly(header);
        var dataStart = 8 + (long)headerBytes;
        var entries = Entries(header, fileBytes - dataStart, path);

        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var bytes = new byte[entry.End - entry.Begin];
            file.Position = dataStart + entry.Begin;
            file.ReadExactly(bytes);
            var tensor = empty(entry.Shape, entry.Type);
            tensor.bytes = bytes;
            tensors.Add(entry.Name, tensor);
        }
        return tensors;
    }

    /// <summary>The header's tensors, in header order, each checked; then all checked together against the data's length.</summary>
    private static List<Entry> Entries(byte[] header, long dataBytes, string path)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: the safetensors header is not JSON ({e.Message})", e);
        }
        var entries = new List<Entry>();
        using (json)
        {
            if (json.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: the safetensors header is not a JSON object");
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in json.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                    throw new InvalidDataException($"{path}: tensor '{InputText.Show(property.Name)}' is listed twice in the safetensors header");
                if (property.Name == "__metadata__")
                    continue;
                entries.Add(Parse(property, dataBytes, $"{path}: tensor '{InputText.Show(property.Name)}'"));
            }
        }

        // Sorted by offset, each tensor must start where the previous one ended, and the last end the data.
        long expected = 0;
        Entry? previous = null;
        foreach (var entry in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (entry.Begin < expected)
                throw new InvalidDataException(
                    $"{path}: tensors '{InputText.Show(previous!.Name)}' and '{InputText.Show(entry.Name)}' overlap (bytes {entry.Begin:N0}..{previous.End:N0} of the data)");
            if (entry.Begin > expected)
                throw new InvalidDataException($"{path}: bytes {expected:N0}..{entry.Begin:N0} of the data belong to no tensor (the format allows no holes)");
            expected = entry.End;
            previous = entry;
        }
        if (expected != dataBytes)
            throw new InvalidDataException($"{path}: the tensors end at byte {expected:N0} of the data, the file has {dataBytes:N0} (the format allows no holes)");
        return entries;
    }

    private static Entry Parse(JsonProperty property, long dataBytes, string where)
    {
        var value = property.Value;
        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String
            || !value.TryGetProperty("shape", out var shape) || shape.ValueKind != JsonValueKind.Array
            || !value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw new InvalidDataException($"{where}: not {{\"dtype\": …, \"shape\": […], \"data_offsets\": [begin, end]}}");
        var (type, elementSize) = dtype.GetString() switch
        {
            "F64" => (ScalarType.Float64, 8),
            "F32" => (ScalarType.Float32, 4),
            "F16" => (ScalarType.Float16, 2),
            "BF16" => (ScalarType.BFloat16, 2),
            "I64" => (ScalarType.Int64, 8),
            "I32" => (ScalarType.Int32, 4),
            "I16" => (ScalarType.Int16, 2),
            "I8" => (ScalarType.Int8, 1),
            "U8" => (ScalarType.Byte, 1),
            "BOOL" => (ScalarType.Bool, 1),
            var other => throw new InvalidDataException($"{where}: dtype '{InputText.Show(other)}' is not supported"),
        };
        if (shape.GetArrayLength() > MaxDimensions)
            throw new InvalidDataException($"{where}: {shape.GetArrayLength()} dimensions (at most {MaxDimensions})");
        var sizes = shape.EnumerateArray()
            .Select(d => d.ValueKind == JsonValueKind.Number && d.TryGetInt64(out var n) && n >= 0 ? n
                : throw new InvalidDataException($"{where}: shape {InputText.Show(shape.GetRawText())} holds something other than a size ≥ 0"))
            .ToArray();
        long bytes;
        try
        {
            bytes = checked(sizes.Aggregate(1L, (product, size) => product * size) * elementSize);
        }
        catch (OverflowException)
        {
            throw new InvalidDataException($"{where}: shape {TensorText.Shape(sizes)} has more elements than any file holds");
        }
        var begin = offsets[0].TryGetInt64(out var b) ? b : -1;
        var end = offsets[1].TryGetInt64(out var e) ? e : -1;
        if (begin < 0 || end < begin || end > dataBytes)
            throw new InvalidDataException(
                $"{where}: data_offsets {InputText.Show(offsets.GetRawText())} are not 0 ≤ begin ≤ end ≤ {dataBytes:N0} (the data's length)");
        if (end - begin != bytes)
            throw new InvalidDataException(
                $"{where}: shape {TensorText.Shape(sizes)} of {dtype.GetString()} needs {bytes:N0} bytes, data_offsets give {end - begin:N0}");
        if (bytes > Array.MaxLength)
            throw new InvalidDataException($"{where}: {bytes:N0} bytes; tensors over 2 GB are not read");
        return new Entry(property.Name, type, sizes, begin, end);
    }

    private sealed record Entry(string Name, ScalarType Type, long[] Shape, long Begin, long End);
}
