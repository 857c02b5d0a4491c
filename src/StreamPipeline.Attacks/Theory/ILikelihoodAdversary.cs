using static TorchSharp.torch;

namespace StreamPipeline.Attacks.Theory;

/// <summary>
/// The inner maximisation of robust learning in the Section 4 setting: a perturbation δ per example (N×d) that makes
/// <c>loss(x + δ)</c> (per example, N values) large within the adversary's threat model, searched from
/// <c>start</c> (null: δ = 0). Only input gradients are taken; the result is detached and owned by the caller; the
/// caller's tensors are neither modified nor disposed.
/// </summary>
public interface ILikelihoodAdversary
{
    Tensor Perturbation(Tensor x, Func<Tensor, Tensor> loss, Tensor? start = null);

    /// <summary>The adversary's own objective at <c>x + delta</c>: the loss, less any penalty on δ (per example).</summary>
    Tensor Objective(Tensor x, Tensor delta, Func<Tensor, Tensor> loss);
}
