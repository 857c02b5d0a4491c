using StreamPipeline.Data;
using StreamPipeline.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace StreamPipeline.Attacks;

/// <summary>
/// Transferability as in Figure 3 of Ilyas et al. (2019): D_det's targeted attack, t = (y + 1) mod C, made once on a
/// source model, then shown to each target model.
/// </summary>
public static class TransferEvaluation
{
    /// <summary>
    /// Attacks <paramref name="data"/> batch by batch with <see cref="DeterministicTarget"/> on <paramref name="source"/>
    /// (the D_det settings: targeted PGD toward t, per-example seeds from <paramref name="settings"/>.Seed and the dataset
    /// index, so a result does not depend on <paramref name="batchSize"/>), and scores every target on each batch before
    /// the next is read: nothing but counts outlives a batch. The transfer success rate is over ALL examples, as the paper
    /// reports it ("transfer rate of adversarial examples", not conditioned on the source being fooled; at its settings the
    /// source is fooled almost always); the rate over source-fooled examples is reported beside it. The models are moved
    /// to <paramref name="device"/> and put in eval mode. A target may be the source itself: its transfer success then
    /// equals the source's success. Runs on the calling thread.
    /// </summary>
    public static TransferReport Run(
        ClassifierModel source,
        IReadOnlyList<TransferTarget> targets,
        IImageDataset data,
        ConstructionSettings settings,
        Device device,
        int batchSize = 256,
        IProgress<long>? progress = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(device);
        var construction = new DeterministicTarget(settings);
        if (batchSize < 1) throw new ArgumentException($"batch size must be at least 1, got {batchSize}", nameof(batchSize));
        if (data.Count == 0) throw new ArgumentException($"{data.Reference}: the evaluation set is empty", nameof(data));
        CheckFits($"source model ({source.Architecture})", source, data);
        var duplicate = targets.GroupBy(t => t.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"target name '{duplicate.Key}' is given {duplicate.Count()} times; each target needs its own name", nameof(targets));
        foreach (var target in targets)
            CheckFits($"target model '{target.Name}' ({target.Model.Architecture})", target.Model, data);

        foreach (var model in targets.Select(t => t.Model).Append(source))
        {
            model.to(device);
            model.eval();
        }

        var shape = data.Shape;
        long seen = 0, sourceFooled = 0;
        var clean = new long[targets.Count];
        var transferred = new long[targets.Count];
        var transferredWhereFooled = new long[targets.Count];
        for (long start = 0; start < data.Count; start += batchSize)
        {
            ct.ThrowIfCancellationRequested();
            var batch = data.ReadRange(start, (int)Math.Min(batchSize, data.Count - start));
            var attacked = construction.Apply(source, new PerturbRequest(batch), device, ct);
            using (NewDisposeScope())
            using (no_grad())
            {
                var x = BatchTensors.Images(batch.Pixels, batch.Count, shape, device);
                var adversarial = BatchTensors.Images(attacked.Pixels, batch.Count, shape, device);
                var labels = tensor(batch.Labels.Select(y => (long)y).ToArray(), device: device);
                var goals = tensor(attacked.Targets!.Select(t => (long)t).ToArray(), device: device);
                var fooled = tensor(attacked.Success, device: device);
                for (var k = 0; k < targets.Count; k++)
                {
                    var model = targets[k].Model;
                    clean[k] += model.forward(x).argmax(1).eq(labels).sum().item<long>();
                    var hit = model.forward(adversarial).argmax(1).eq(goals);
                    transferred[k] += hit.sum().item<long>();
                    transferredWhereFooled[k] += hit.logical_and(fooled).sum().item<long>();
                }
            }
            sourceFooled += attacked.Success.Count(s => s);
            seen += batch.Count;
            progress?.Report(seen);
        }

        var outcomes = targets.Select((t, k) => new TransferOutcome(
            t.Name,
            t.Model.Architecture,
            (double)clean[k] / seen,
            (double)transferred[k] / seen,
            sourceFooled == 0 ? double.NaN : (double)transferredWhereFooled[k] / sourceFooled)).ToList();
        return new TransferReport(seen, (double)sourceFooled / seen, outcomes);
    }

    private static void CheckFits(string subject, ClassifierModel model, IImageDataset data)
    {
        if (model.InputShape != data.Shape || model.Classes != data.Classes)
            throw new ArgumentException(
                $"{subject} takes {model.InputShape} images and {model.Classes} classes; {data.Reference} has {data.Shape} images and {data.Classes} classes");
    }
}
