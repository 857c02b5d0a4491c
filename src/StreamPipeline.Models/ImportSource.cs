namespace StreamPipeline.Models;

/// <summary>
/// Where an imported checkpoint's weights came from (sidecar field <c>imported_from</c>; null for checkpoints this
/// program trained): the source file, its SHA-256, the layout it was read as and the entry that held the weights.
/// </summary>
public sealed record ImportSource(string File, string Sha256, string Layout, string Entry);
