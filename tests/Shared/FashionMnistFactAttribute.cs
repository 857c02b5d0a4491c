using StreamPipeline.Data;

namespace StreamPipeline.Tests.Shared;

/// <summary>A fact that runs only where Debian's dataset-fashion-mnist is installed (it is here and in CI).</summary>
public sealed class FashionMnistFactAttribute : FactAttribute
{
    public FashionMnistFactAttribute()
    {
        if (!Directory.Exists(KnownDatasets.FashionMnist.DefaultRoot))
            Skip = $"{KnownDatasets.FashionMnist.DefaultRoot} not present (install dataset-fashion-mnist)";
    }
}
