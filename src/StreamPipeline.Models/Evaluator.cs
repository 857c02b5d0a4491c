using System.Diagnostics;
using StreamPipeline.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace StreamPipeline.Models;

/// <summary>Measures a classifier's accuracy on a streamed dataset, and its robust accuracy under an attack.</summary>
public static class Evaluator
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Accuracy of <paramref name="model"/> (moved to <paramref name="device"/>, eval mode) on <paramref name="data"/> in index
    /// order; with an <paramref name="attack"/>, also the accuracy on <c>attack(model, x, y)</c>. Runs on the calling thread.
    /// </summary>
    public static EvaluationResult Evaluate(
        ClassifierModel model,
        IImageDataset data,
        Device device,
        int batchSize = 256,
        ExamplePerturber? attack = null,
        IProgress<EvaluationProgress>? progress = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(device);
        if (batchSize < 1) throw new ArgumentException($"batch size must be at least 1, got {batchSize}", nameof(batchSize));
        ModelCompatibility.Check($"{model.Architecture} model", model.InputShape, model.Classes, data.Reference, data.Shape, data.Classes);
        if (data.Count == 0) throw new ArgumentException($"{data.Reference}: the evaluation set is empty");

        var shape = data.Shape;
        long[] dims = [0, shape.Channels, shape.Height, shape.Width];
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        long correct = 0, robustCorrect = 0, seen = 0;

        model.to(device);
        model.eval();
        var chunkSize = Math.Max(8192, batchSize);
        foreach (var batch in BatchStream.Enumerate(data, batchSize, chunkSize, shuffle: null, ct))
        {
            ct.ThrowIfCancellationRequested();
            using (NewDisposeScope())
            {
                var (images, labels) = Trainer.ToDevice(batch, dims, device);
                using (no_grad())
                {
                    var logits = model.forward(images);
                    // argmax over NaN picks a class anyway: an accuracy from it would be silent garbage.
                    if (!logits.isfinite().all().item<bool>())
                        throw new InvalidOperationException(
                            $"the {model.Architecture} model's logits are not finite on examples {seen}..{seen + batch.Count - 1} of {data.Reference}: its weights overflow float32 on these images");
                    correct += logits.argmax(1).eq(labels).sum().item<long>();
                }

                if (attack is not null)
                {
                    // The attack needs gradients (w.r.t. its input), so it runs outside no_grad.
                    var adversarial = attack(model, images, labels).detach();
                    model.eval();
                    using (no_grad())
                        robustCorrect += model.forward(adversarial).argmax(1).eq(labels).sum().item<long>();
                }

                seen += batch.Count;
            }

            if (progress is not null && clock.Elapsed - lastReport >= ProgressInterval)
            {
                lastReport = clock.Elapsed;
                progress.Report(Progress(seen, data.Count, correct, robustCorrect, attack is not null, clock.Elapsed));
            }
        }

        progress?.Report(Progress(seen, data.Count, correct, robustCorrect, attack is not null, clock.Elapsed));
        return new EvaluationResult(seen, (double)correct / seen, attack is null ? null : (double)robustCorrect / seen);
    }

    private static EvaluationProgress Progress(long seen, long total, long correct, long robustCorrect, bool attacked, TimeSpan elapsed) =>
        new(seen, total, (double)correct / seen, attacked ? (double)robustCorrect / seen : null, elapsed);
}
