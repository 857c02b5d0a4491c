using StreamPipeline.Application.Building;
using StreamPipeline.Application.Evaluation;
using StreamPipeline.Application.Training;
using StreamPipeline.Attacks;
using StreamPipeline.Models;
using StreamPipeline.Pipeline.Streaming;

namespace StreamPipeline.Experiment;

/// <summary>
/// How the experiment's steps run in front of a person: each service call with its live view (the command line draws
/// progress lines and build views; a test can run them bare), and the lines the experiment says between steps.
/// </summary>
public interface IStepViews
{
    /// <summary>A line about the experiment itself (a step skipped, the report written).</summary>
    void Say(string line);

    CheckpointInfo Train(TrainRequest request, CancellationToken ct);

    EvaluationResult Evaluate(EvaluateRequest request, CancellationToken ct);

    /// <param name="label">What the view calls the build (e.g. <c>build-det</c>).</param>
    Task<BuildResult> BuildAsync(BuildRequest request, string label, CancellationToken ct);

    TransferReport Transfer(TransferRequest request, CancellationToken ct);

    RobustnessSweepResult RobustnessSweep(RobustnessSweepRequest request, CancellationToken ct);
}
