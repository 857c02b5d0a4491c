using StreamPipeline.Data;
using StreamPipeline.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StreamPipeline.Tests.Shared;

/// <summary>
/// A model in eval mode whose batch-norms hold statistics and affine parameters far from their initial values (as
/// after training), so that folding them into the convolutions has something to fold; the same seed gives the same model.
/// </summary>
public static class TrainedLikeModel
{
    public static ClassifierModel Create(string arch, ImageShape shape, int seed, float[] mean, float[] std)
    {
        manual_seed(seed);
        var model = ModelFactory.Create(arch, shape, 10, mean, std);
        using (no_grad())
        {
            foreach (var bn in model.modules().OfType<BatchNorm2d>())
            {
                var c = bn.running_mean!.shape[0];
                bn.running_mean!.copy_(randn(c) * 0.2);
                bn.running_var!.copy_(rand(c) + 0.5);
                bn.weight!.copy_(rand(c) + 0.5);
                bn.bias!.copy_(randn(c) * 0.1);
            }
        }
        model.eval();
        return model;
    }
}
