using StreamPipeline.Data;
using StreamPipeline.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StreamPipeline.Attacks.Tests;

/// <summary>logits = W·flatten(x) + b, representation = flatten(x): the input gradient is known in closed form.</summary>
public sealed class LinearModel : ClassifierModel
{
    private readonly Linear fc;

    public LinearModel(ImageShape shape, float[,] weight, float[] bias)
        : base(nameof(LinearModel), "linear", shape, weight.GetLength(0))
    {
        fc = nn.Linear(shape.Size, weight.GetLength(0));
        RegisterComponents();
        using var _ = no_grad();
        var flat = new float[weight.Length];
        Buffer.BlockCopy(weight, 0, flat, 0, flat.Length * sizeof(float));
        using var w = tensor(flat, new long[] { weight.GetLength(0), weight.GetLength(1) });
        using var b = tensor(bias);
        fc.weight!.copy_(w);
        fc.bias!.copy_(b);
        eval();
    }

    /// <summary>Weights i.i.d. normal from <paramref name="seed"/>, zero bias.</summary>
    public static LinearModel Random(ImageShape shape, int classes, int seed)
    {
        var rng = new Random(seed);
        var w = new float[classes, shape.Size];
        for (var k = 0; k < classes; k++)
            for (var j = 0; j < shape.Size; j++)
                w[k, j] = (float)Gaussian(rng);
        return new LinearModel(shape, w, new float[classes]);
    }

    internal static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    public override (Tensor Logits, Tensor Representation) ForwardWithRepresentation(Tensor input)
    {
        var representation = input.flatten(1);
        return (fc.forward(representation), representation);
    }
}
