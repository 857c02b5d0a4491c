using static TorchSharp.torch;

namespace StreamPipeline.Attacks;

/// <summary>
/// A threat model as a step object: how PGD starts, steps and projects. The origin (the point whose
/// eps-ball is searched) is passed per call, so one step object serves every batch.
/// All tensors are N×…, one example per row; results are new tensors, inputs are never modified.
/// </summary>
public interface IAttackStep
{
    ThreatModel Norm { get; }

    /// <summary>
    /// A random point near <paramref name="x"/>, projected around <paramref name="origin"/>.
    /// <paramref name="gaussianNoise"/> holds i.i.d. standard normal values shaped like x; the caller draws
    /// them per example (see <see cref="ExampleRandom"/>) so the start never depends on the batch or the device.
    /// </summary>
    Tensor RandomStart(Tensor x, Tensor origin, Tensor gaussianNoise);

    /// <summary>One ascent step along <paramref name="grad"/> (negate it to descend), before projection.</summary>
    Tensor Step(Tensor x, Tensor grad);

    /// <summary>Onto the threat model's ball around <paramref name="origin"/> and onto the image box [0,1].</summary>
    Tensor Project(Tensor x, Tensor origin);
}
