namespace StreamPipeline.Application.Inspection;

/// <summary>The inspection, and the grid when one was written.</summary>
public sealed record InspectResult(JobInspection Inspection, GridImage? Grid);
