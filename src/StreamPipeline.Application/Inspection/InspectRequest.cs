namespace StreamPipeline.Application.Inspection;

/// <summary>What to inspect: a job directory, and optionally a grid PNG to write.</summary>
/// <param name="Grid">Path of the PNG to write; null for none.</param>
/// <param name="DataRoot">Root of fashion-mnist: references, to read the source images for the grid.</param>
public sealed record InspectRequest(string JobDir, string? Grid, GridSettings GridSettings, string? DataRoot);
