namespace StreamPipeline.Pipeline.Telemetry;

/// <summary>The stages of the build graph, as tagged in metrics (<c>stage=load|perturb|relabel|persist</c>).</summary>
public enum PipelineStage
{
    Load,
    Perturb,
    Relabel,
    Persist,
}
