namespace StreamPipeline.Models;

/// <summary>
/// A batch assembled on the host: the first <see cref="Count"/> images/labels of the arrays are valid.
/// The arrays are reused by <see cref="BatchStream"/>: copy them (e.g. into a tensor) before asking for the next batch.
/// </summary>
internal sealed record HostBatch(float[] Pixels, long[] Labels, int Count);
