using StreamPipeline.Data;

namespace StreamPipeline.Data.Constructions;

/// <summary>
/// One batch of work for a device: the source images and, for representation matching (D_R, D_NR),
/// the start image x0 of each example (its source index and pixels), chosen by the loader.
/// </summary>
public sealed record PerturbRequest(ImageBatch Source, long[]? StartIndices = null, float[]? StartPixels = null);
