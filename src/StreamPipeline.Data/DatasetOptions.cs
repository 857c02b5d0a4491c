namespace StreamPipeline.Data;

/// <summary>How dataset references are opened: where Fashion-MNIST lives and how many examples to keep.</summary>
/// <param name="DataRoot">Folder with the Fashion-MNIST IDX files; null means where Debian installs them (<see cref="KnownDatasets.FashionMnist"/>).</param>
/// <param name="Limit">Keep only the first N examples (N ≥ 1); null keeps all.</param>
public sealed record DatasetOptions(string? DataRoot = null, long? Limit = null);
