using StreamPipeline.Application.Building;
using StreamPipeline.Application.Evaluation;
using StreamPipeline.Application.Training;
using StreamPipeline.Attacks;
using StreamPipeline.Experiment;
using StreamPipeline.Models;
using StreamPipeline.Pipeline.Streaming;

namespace StreamPipeline.Cli.Presentation;

/// <summary>The experiment's steps with the command line's live views (<see cref="LiveRuns"/>), its lines on stderr.</summary>
public sealed class LiveSteps(DisplayMode display) : IStepViews
{
    public void Say(string line) => Console.Error.WriteLine(line);

    public CheckpointInfo Train(TrainRequest request, CancellationToken ct) => LiveRuns.Train(request, display, ct);

    public EvaluationResult Evaluate(EvaluateRequest request, CancellationToken ct) => LiveRuns.Evaluate(request, display, ct);

    public Task<BuildResult> BuildAsync(BuildRequest request, string label, CancellationToken ct) => LiveRuns.BuildAsync(request, label, display, ct);

    public TransferReport Transfer(TransferRequest request, CancellationToken ct) => LiveRuns.Transfer(request, display, ct);

    public RobustnessSweepResult RobustnessSweep(RobustnessSweepRequest request, CancellationToken ct) => LiveRuns.RobustnessSweep(request, display, ct);
}
