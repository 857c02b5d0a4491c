using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace StreamPipeline.Data.Parquet;

/// <summary>
/// float32 values as the little-endian bytes the <c>pixels</c> column stores: on a little-endian machine a view of the
/// same memory (no copy), elsewhere a byte-swapped copy.
/// </summary>
internal static class LittleEndianBytes
{
    public static ReadOnlyMemory<byte> Of(ReadOnlyMemory<float> values)
    {
        if (!BitConverter.IsLittleEndian)
        {
            var copy = MemoryMarshal.AsBytes(values.Span).ToArray();
            var words = MemoryMarshal.Cast<byte, int>(copy.AsSpan());
            BinaryPrimitives.ReverseEndianness(words, words);
            return copy;
        }
        if (MemoryMarshal.TryGetArray(values, out var segment))
            return new FloatBytes(segment).Memory;
        return MemoryMarshal.AsBytes(values.Span).ToArray();
    }

    /// <summary>A segment of a float[] seen as bytes.</summary>
    private sealed class FloatBytes(ArraySegment<float> segment) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(segment.AsSpan());

        public override unsafe MemoryHandle Pin(int elementIndex = 0)
        {
            var handle = GCHandle.Alloc(segment.Array, GCHandleType.Pinned);
            var start = (byte*)handle.AddrOfPinnedObject() + (long)segment.Offset * sizeof(float) + elementIndex;
            return new MemoryHandle(start, handle, this);
        }

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
