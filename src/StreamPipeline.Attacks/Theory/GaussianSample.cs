using static TorchSharp.torch;

namespace StreamPipeline.Attacks.Theory;

/// <summary>Labelled examples of a <see cref="GaussianSetting"/>: features row-major (Count×Dimension), labels ±1.</summary>
public sealed record GaussianSample(int Dimension, double[] Features, double[] Labels)
{
    public int Count => Labels.Length;

    /// <summary>The features as a Count×Dimension float64 tensor (the caller owns it).</summary>
    public Tensor FeatureTensor() => Dense.Matrix(Features, Count, Dimension);

    /// <summary>The labels as a float64 tensor of Count values ±1 (the caller owns it).</summary>
    public Tensor LabelTensor() => Dense.Vector(Labels);
}
