using System.Diagnostics;
using StreamPipeline.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace StreamPipeline.Models;

/// <summary>
/// Trains a classifier with cross-entropy on a streamed dataset, optionally on perturbed (adversarial) examples only
/// (Madry et al.). Seeded: the same settings, data and initial weights give the same weights on the CPU.
/// Runs synchronously on the calling thread (TorchSharp dispose scopes are per thread).
/// </summary>
public static class Trainer
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Trains <paramref name="model"/> in place on <paramref name="device"/> (the model is moved there) and leaves it in eval
    /// mode. With an <paramref name="adversary"/>, every batch is replaced by its perturbed version before the step.
    /// Seeds torch's global generator with <see cref="TrainingSettings.Seed"/> (for the adversary's random starts).
    /// Progress is reported about twice a second and at the end of each epoch.
    /// </summary>
    public static TrainResult Train(
        ClassifierModel model,
        IImageDataset data,
        TrainingSettings settings,
        Device device,
        ExamplePerturber? adversary = null,
        IProgress<TrainProgress>? progress = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(device);
        settings.Validate();
        ModelCompatibility.Check($"{model.Architecture} model", model.InputShape, model.Classes, data.Reference, data.Shape, data.Classes);
        if (data.Count == 0) throw new ArgumentException($"{data.Reference}: the training set is empty");

        torch.manual_seed(settings.Seed);
        var order = new Random(settings.Seed);
        var shape = data.Shape;
        long[] dims = [0, shape.Channels, shape.Height, shape.Width];
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        double epochLoss = double.NaN, epochAccuracy = double.NaN;
        long seenTotal = 0;

        model.to(device);
        // channels_last weights make oneDNN run every convolution and what follows in NHWC, with no layout reorders; the
        // optimizer must hold the rewritten parameters, so the rewrite comes first, and is undone whatever happens.
        var channelsLast = settings.ChannelsLastFor(model);
        if (channelsLast) Models.ChannelsLast.ConvertConvolutions(model);
        using var optimizer = CreateOptimizer(model, settings);
        try
        {
            model.train();
            for (var epoch = 1; epoch <= settings.Epochs; epoch++)
            {
                double lossSum = 0;
                long correct = 0, seen = 0;
                foreach (var batch in BatchStream.Enumerate(data, settings.BatchSize, settings.ChunkSize, order, ct))
                {
                    ct.ThrowIfCancellationRequested();
                    using (NewDisposeScope())
                    {
                        var (images, labels) = ToDevice(batch, dims, device);
                        if (adversary is not null)
                        {
                            images = adversary(model, images, labels).detach();
                            model.train();
                        }

                        optimizer.zero_grad();
                        var logits = model.forward(images);
                        var loss = nn.functional.cross_entropy(logits, labels);
                        var lossValue = loss.item<float>();
                        // A NaN or infinite loss poisons every weight at the step; stop rather than write garbage.
                        if (!float.IsFinite(lossValue))
                            throw new TrainingDivergedException(
                                $"training diverged: the loss is {lossValue} in epoch {epoch} after {seen:N0} examples of {data.Reference} (a lower learning rate may help); no checkpoint written");
                        loss.backward();
                        optimizer.step();

                        lossSum += lossValue * batch.Count;
                        correct += logits.argmax(1).eq(labels).sum().item<long>();
                        seen += batch.Count;
                    }

                    if (progress is not null && clock.Elapsed - lastReport >= ProgressInterval)
                    {
                        lastReport = clock.Elapsed;
                        progress.Report(new TrainProgress(epoch, settings.Epochs, seen, data.Count, lossSum / seen, (double)correct / seen, clock.Elapsed));
                    }
                }

                epochLoss = lossSum / seen;
                epochAccuracy = (double)correct / seen;
                seenTotal += seen;
                lastReport = clock.Elapsed;
                progress?.Report(new TrainProgress(epoch, settings.Epochs, seen, data.Count, epochLoss, epochAccuracy, clock.Elapsed));
            }
            if (NonFinite.InWeights(model) is { } nonFinite)
                throw new TrainingDivergedException($"training diverged: {nonFinite} after the last step; no checkpoint written");
        }
        finally
        {
            model.eval();
            if (channelsLast) Models.ChannelsLast.RestoreConvolutions(model);
        }

        return new TrainResult(settings.Epochs, seenTotal, epochLoss, epochAccuracy, clock.Elapsed);
    }

    /// <summary>Copies a host batch into a new image tensor (N×C×H×W) and int64 label tensor on the device, in the current dispose scope.</summary>
    internal static (Tensor Images, Tensor Labels) ToDevice(HostBatch batch, long[] dims, Device device)
    {
        dims[0] = batch.Count;
        var images = tensor(batch.Pixels, dims);
        var labels = tensor(batch.Labels, [batch.Count]);
        if (device.type != DeviceType.CPU)
        {
            images = images.to(device);
            labels = labels.to(device);
        }

        return (images, labels);
    }

    private static optim.Optimizer CreateOptimizer(ClassifierModel model, TrainingSettings settings) => settings.Optimizer switch
    {
        OptimizerKind.Adam => optim.Adam(model.parameters(), lr: settings.LearningRate, weight_decay: settings.WeightDecay),
        OptimizerKind.SgdMomentum => optim.SGD(model.parameters(), settings.LearningRate, momentum: 0.9, weight_decay: settings.WeightDecay),
        _ => throw new ArgumentException($"unknown optimizer {settings.Optimizer}"),
    };
}
