using TorchSharp;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace StreamPipeline.Attacks.Tests;

/// <summary>Base of every test class that touches TorchSharp: one intra-op thread on the shared 2-core machine.</summary>
public abstract class TorchTest
{
    static TorchTest()
    {
        torch.set_num_threads(1);
    }
}
