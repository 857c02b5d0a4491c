namespace StreamPipeline.Data;

/// <summary>How dataset references are opened: where Fashion-MNIST lives and how many examples to keep.</summary>
/// <param name="DataRoot">Folder with the Fashion-MNIST IDX files; null means <see cref="DefaultFashionMnistRoot"/>.</param>
/// <param name="Limit">Keep only the first N examples (N ≥ 1); null keeps all.</param>
public sealed record DatasetOptions(string? DataRoot = null, long? Limit = null)
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the files.</summary>
    public const string DefaultFashionMnistRoot = "/usr/share/datasets/fashion-mnist";
}
