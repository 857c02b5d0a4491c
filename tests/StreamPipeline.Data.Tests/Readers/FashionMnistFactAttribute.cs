namespace StreamPipeline.Data.Tests.Readers;

/// <summary>A fact that runs only where the Fashion-MNIST package is installed (it is here and in CI).</summary>
public sealed class FashionMnistFactAttribute : FactAttribute
{
    public FashionMnistFactAttribute()
    {
        if (!Directory.Exists(DatasetOptions.DefaultFashionMnistRoot))
            Skip = $"{DatasetOptions.DefaultFashionMnistRoot} not present (install dataset-fashion-mnist)";
    }
}
