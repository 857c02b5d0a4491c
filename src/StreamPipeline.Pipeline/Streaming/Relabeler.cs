using StreamPipeline.Data;
using StreamPipeline.Pipeline.Devices;

namespace StreamPipeline.Pipeline.Streaming;

/// <summary>
/// The relabel stage, where the label to train on is decided, once: the target for D_det/D_rand, the source label for
/// D_R/D_NR (the construction's whole point). A batch that does not carry what its construction implies is refused.
/// Rows are views into the batch's pixel array, not copies.
/// </summary>
public static class Relabeler
{
    public static RelabeledBatch ToRows(ConstructionKind construction, BatchPerturbed perturbed)
    {
        var result = perturbed.Result;
        var n = result.Count;
        var keepSourceLabel = construction.IsRepresentationMatching();
        if (keepSourceLabel == result.Targets is not null)
            throw new InvalidOperationException(keepSourceLabel
                ? $"{perturbed.Plan}: a {Names.Construction.Of(construction)} batch came back with attack targets"
                : $"{perturbed.Plan}: a {Names.Construction.Of(construction)} batch came back without attack targets");
        var size = n == 0 ? 0 : result.Pixels.Length / n;
        var rows = new ConstructedRow[n];
        for (var i = 0; i < n; i++)
        {
            rows[i] = new ConstructedRow(
                result.Indices[i],
                keepSourceLabel ? result.SourceLabels[i] : result.Targets![i],
                result.SourceLabels[i],
                result.StartIndices?[i],
                result.Pixels.AsMemory(i * size, size),
                result.Success[i],
                result.Distance[i]);
        }
        return new RelabeledBatch(perturbed.Plan, rows);
    }
}
