using StreamPipeline.Application.Building;
using StreamPipeline.Application.Evaluation;
using StreamPipeline.Application.Training;
using StreamPipeline.Attacks;
using StreamPipeline.Models;
using StreamPipeline.Pipeline.Streaming;

namespace StreamPipeline.Cli.Presentation;

/// <summary>
/// The services run with their live display on stderr (progress line, build view, summary line): what the commands
/// and the experiment show while training, evaluating or building. The work itself is the services'.
/// </summary>
public static class LiveRuns
{
    public static CheckpointInfo Train(TrainRequest request, DisplayMode display, CancellationToken ct)
    {
        using var progress = new ProgressLine("train", display);
        return TrainService.Run(request, progress.Say, new SyncProgress<TrainProgress>(p => progress.Report(
            (long)(p.Epoch - 1) * p.ExamplesTotal + p.ExamplesDone, (long)p.Epochs * p.ExamplesTotal,
            $"epoch {p.Epoch}/{p.Epochs} loss {p.Loss:F3} acc {p.Accuracy:F3}")), ct);
    }

    public static EvaluationResult Evaluate(EvaluateRequest request, DisplayMode display, CancellationToken ct)
    {
        using var progress = new ProgressLine("evaluate", display);
        return EvaluateService.Run(request, progress.Say, new SyncProgress<EvaluationProgress>(p => progress.Report(p.ExamplesDone, p.ExamplesTotal,
            $"acc {p.Accuracy:F4}" + (p.RobustAccuracy is { } r ? $" robust {r:F4}" : ""))), ct);
    }

    /// <summary>Coordinates a job for cluster workers, with a status line per change (at most every 2 s) and a summary.</summary>
    public static async Task<StreamPipeline.Cluster.Coordination.CoordinatorResult> ServeAsync(ServeRequest request, Akka.Configuration.Config akka, CancellationToken ct)
    {
        void Say(string line) => Console.Error.WriteLine($"coordinator: {line}");
        var view = new ClusterView(Say);
        var result = await CoordinatorService.RunAsync(request, view.Show, Say, ct, akka);
        view.Show(result.Status, force: true);
        Say($"{(result.Complete ? "complete" : "failed")}: {result.Message}; {result.Status.ShardsDone}/{result.Status.ShardsTotal} shards, " +
            $"{result.Status.Expired} lease(s) expired, {result.Status.Discarded} result(s) discarded");
        return result;
    }

    public static TransferReport Transfer(TransferRequest request, DisplayMode display, CancellationToken ct)
    {
        using var progress = new ProgressLine("transfer", display);
        return TransferService.Run(request, progress.Say, new SyncProgress<(long Done, long Total)>(p => progress.Report(p.Done, p.Total)), ct);
    }

    public static RobustnessSweepResult RobustnessSweep(RobustnessSweepRequest request, DisplayMode display, CancellationToken ct)
    {
        using var progress = new ProgressLine("robustness", display);
        return RobustnessSweepService.Run(request, progress.Say, ct);
    }

    /// <summary>Runs (or resumes) a build, with the live view and a summary line.</summary>
    /// <param name="label">What the view calls the build (e.g. <c>build</c>, <c>build-det</c>).</param>
    public static async Task<BuildResult> BuildAsync(BuildRequest request, string label, DisplayMode display, CancellationToken ct)
    {
        using var view = new BuildView(label, display);
        void Say(string line) => Console.Error.WriteLine($"{label}: {line}");
        var result = await BuildService.RunAsync(request, view, Say, ct, StderrLogger.Config);
        view.Finish(result.Stats);
        foreach (var damaged in result.DamagedShards)
            Say($"rebuilt {damaged.Path}: {damaged.Problem}");
        var s = result.Stats;
        if (result.Complete && result.ShardsCommitted == 0)
        {
            Say($"already complete ({result.ShardsTotal} shards, {result.RowsTotal:N0} rows, every shard verified); nothing to do");
            return result;
        }
        Say($"{(result.Complete ? "complete" : "incomplete")}: {result.RowsWritten:N0} rows written this run in {result.Elapsed.TotalSeconds:F1} s " +
            $"({result.RowsPerSecond:N1} img/s), {result.ShardsSkipped} shard{(result.ShardsSkipped == 1 ? "" : "s")} already done, attack success {s.AttackSuccessRate:P1}");
        return result;
    }
}
