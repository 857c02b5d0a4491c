using TorchSharp;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace StreamPipeline.Models.Tests;

/// <summary>
/// One-time TorchSharp setup for this test assembly: a single intra-op thread, because the build machine has two cores
/// shared with other builds. Test classes run one after another: torch's global generator is process-wide, and the
/// seeded tests must not interleave with other tests' random draws.
/// </summary>
internal static class TorchTestEnvironment
{
    static TorchTestEnvironment() => torch.set_num_threads(1);

    /// <summary>Touching this runs the static constructor once.</summary>
    public static void Ensure() { }
}
