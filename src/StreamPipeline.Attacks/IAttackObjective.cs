using static TorchSharp.torch;

namespace StreamPipeline.Attacks;

/// <summary>What PGD optimises: a per-example loss (shape N) from the model's logits and representation.</summary>
public interface IAttackObjective
{
    Tensor Loss(Tensor logits, Tensor representation);
}
