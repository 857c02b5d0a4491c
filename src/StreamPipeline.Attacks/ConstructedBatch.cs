namespace StreamPipeline.Attacks;

/// <summary>The output of a construction for one batch, as plain arrays (pixels N×C×H×W in [0,1]).</summary>
public sealed record ConstructedBatch(
    long[] Indices,
    int[] Labels,
    int[] SourceLabels,
    long[]? StartIndices,
    float[] Pixels,
    bool[] Success,
    float[] Distance,
    float[] Loss);
