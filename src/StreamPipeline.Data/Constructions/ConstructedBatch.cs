namespace StreamPipeline.Data.Constructions;

/// <summary>
/// What a construction made of one batch, as plain arrays (pixels N×C×H×W in [0,1]): facts about each example, not
/// the label to train on — the relabel stage decides that.
/// </summary>
/// <param name="Targets">The class each example was attacked toward (D_det, D_rand); null for representation matching.</param>
/// <param name="StartIndices">The start image of each example (D_R/D_NR from another image); null otherwise.</param>
/// <param name="Distance">D_det/D_rand: ‖x_adv − x‖₂; D_R/D_NR: ‖g(x_r) − g(x)‖₂ / ‖g(x)‖₂.</param>
public sealed record ConstructedBatch(
    long[] Indices,
    int[] SourceLabels,
    int[]? Targets,
    long[]? StartIndices,
    float[] Pixels,
    bool[] Success,
    float[] Distance)
{
    public int Count => Indices.Length;
}
