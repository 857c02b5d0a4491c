using StreamPipeline.Attacks;
using StreamPipeline.Data;
using StreamPipeline.Data.Threading;
using StreamPipeline.Models;

namespace StreamPipeline.Application.Evaluation;

/// <summary>How often adversarial examples made on one checkpoint fool others into the same target (Figure 3).</summary>
public static class TransferService
{
    /// <summary>
    /// Loads the source and every target onto the request's device, checks each fits the data, prepares each for
    /// inference (every <see cref="InferenceTransforms"/>: they are only attacked and read), and runs
    /// <see cref="TransferEvaluation"/>: the examples are attacked once on the source, batch by batch, and every target
    /// is scored on each batch. <paramref name="progress"/> gets the examples done so far and their total.
    /// </summary>
    public static TransferReport Run(TransferRequest request, Action<string> say, IProgress<(long Done, long Total)>? progress, CancellationToken ct) =>
        // On the main thread where it can be borrowed (MainThread: only there does glibc reuse blocks above 64 MiB).
        MainThread.Run(() => RunHere(request, say, progress, ct));

    private static TransferReport RunHere(TransferRequest request, Action<string> say, IProgress<(long Done, long Total)>? progress, CancellationToken ct)
    {
        if (request.BatchSize < 1) throw new ArgumentException($"batch size must be at least 1, got {request.BatchSize}");
        if (request.Targets.Count == 0) throw new ArgumentException("a transfer evaluation needs at least one target model");
        if (request.Settings.Kind != ConstructionKind.Det)
            throw new ArgumentException($"transfer uses D_det's attack (construction det), got {Names.Construction.Of(request.Settings.Kind)}");
        var device = DeviceSelector.Select(request.Device, say);
        using var data = DatasetReference.Open(request.Data, new DatasetOptions(request.DataRoot, request.Limit));
        var loaded = new List<ClassifierModel>();
        try
        {
            var source = Load(request.Source, data, device, loaded);
            var targets = request.Targets.Select(t => new TransferTarget(t.Name, Load(t.Model, data, device, loaded))).ToList();
            var a = request.Settings.Attack;
            say($"transfer: targeted {Names.Norm.Of(a.Norm)} PGD-{a.Steps} eps {a.Eps} toward (y+1) mod C on {request.Source}, " +
                $"{data.Count:N0} images of {data.Reference}, shown to {targets.Count} target(s)");
            var report = TransferEvaluation.Run(source, targets, data, request.Settings, device, request.BatchSize,
                progress is null ? null : new Progress(done => progress.Report((done, data.Count))), ct);
            say($"transfer: source fooled on {report.SourceSuccess:P1}; " +
                string.Join(", ", report.Targets.Select(t => $"{t.Name} {t.TransferSuccess:P1}")));
            return report;
        }
        finally
        {
            foreach (var model in loaded) model.Dispose();
        }
    }

    // Synchronous, unlike System.Progress<T>: reports arrive on the attacking thread, in order.
    private sealed class Progress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }

    private static ClassifierModel Load(string path, IImageDataset data, TorchSharp.torch.Device device, List<ClassifierModel> loaded)
    {
        var (model, _) = Checkpoint.LoadFor(path, device, data.Shape, data.Classes);
        loaded.Add(model);
        model.PrepareForInference(InferenceTransforms.All);
        return model;
    }
}
