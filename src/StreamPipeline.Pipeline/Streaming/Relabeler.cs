using StreamPipeline.Attacks;
using StreamPipeline.Data;
using StreamPipeline.Pipeline.Devices;
using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Pipeline.Streaming;

/// <summary>
/// The relabel stage: a perturbed batch becomes output rows. The label to train on is the target for D_det/D_rand
/// and the source label for D_R/D_NR (the construction's whole point; explicit here, not left to the perturber).
/// </summary>
public static class Relabeler
{
    public static RelabeledBatch ToRows(ConstructionKind construction, BatchPerturbed perturbed)
    {
        var result = perturbed.Result;
        var n = result.Indices.Length;
        var size = n == 0 ? 0 : result.Pixels.Length / n;
        var keepSourceLabel = SpecNames.IsRepresentationMatching(construction);
        var rows = new ConstructedRow[n];
        for (var i = 0; i < n; i++)
        {
            rows[i] = new ConstructedRow(
                result.Indices[i],
                keepSourceLabel ? result.SourceLabels[i] : result.Labels[i],
                result.SourceLabels[i],
                result.StartIndices?[i],
                result.Pixels.AsSpan(i * size, size).ToArray(),
                result.Success[i],
                result.Distance[i]);
        }
        return new RelabeledBatch(perturbed.Plan, rows);
    }
}
