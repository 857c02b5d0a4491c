using static TorchSharp.torch;

namespace StreamPipeline.Attacks;

/// <summary>
/// The outcome of <see cref="PgdAttack.Run"/>: the returned iterate (N×C×H×W) and its objective (N), both detached
/// and attached to the caller's dispose scope; disposing the result frees them early.
/// </summary>
public sealed class PgdResult : IDisposable
{
    public PgdResult(Tensor adversarial, Tensor loss)
    {
        Adversarial = adversarial;
        Loss = loss;
    }

    public Tensor Adversarial { get; }

    public Tensor Loss { get; }

    public void Dispose()
    {
        Adversarial.Dispose();
        Loss.Dispose();
    }
}
