using StreamPipeline.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace StreamPipeline.Models;

/// <summary>
/// A classifier with two outputs: logits and the representation g(x) (penultimate-layer activations).
/// Inputs are images in [0,1], N×C×H×W; input normalisation lives inside the model.
/// </summary>
public abstract class ClassifierModel : nn.Module<Tensor, Tensor>
{
    protected ClassifierModel(string name, string architecture, ImageShape inputShape, int classes) : base(name)
    {
        Architecture = architecture;
        InputShape = inputShape;
        Classes = classes;
    }

    /// <summary>Architecture name as accepted by the CLI (<c>small-cnn</c>, <c>resnet18</c>, ...).</summary>
    public string Architecture { get; }

    public ImageShape InputShape { get; }

    public int Classes { get; }

    /// <summary>
    /// The rewrites <see cref="PrepareForInference"/> applied; <see cref="InferenceTransforms.None"/> for a model as
    /// trained. A transformed model stays in eval mode and is never saved.
    /// </summary>
    public InferenceTransforms Transforms { get; private set; } = InferenceTransforms.None;

    /// <summary>Logits (N×Classes) and representation (N×D) in one pass.</summary>
    public abstract (Tensor Logits, Tensor Representation) ForwardWithRepresentation(Tensor input);

    /// <summary>Logits only.</summary>
    public override Tensor forward(Tensor input)
    {
        var (logits, representation) = ForwardWithRepresentation(input);
        representation.Dispose();
        return logits;
    }

    /// <summary>
    /// Rewrites this model in place for attacks and evaluation — eval mode, parameters frozen, and
    /// <paramref name="transforms"/> applied (see <see cref="InferenceTransforms"/>). Once rewritten it cannot go back to
    /// training mode (its batch-norms are gone) nor be saved (its weights are no longer the trained ones); load the
    /// checkpoint again for that. Call once, after the model is on its device.
    /// </summary>
    public void PrepareForInference(InferenceTransforms transforms)
    {
        ArgumentNullException.ThrowIfNull(transforms);
        if (Transforms.Any)
            throw new InvalidOperationException($"this {Architecture} model is already prepared for inference ({Transforms})");
        eval();
        using (no_grad())
        {
            if (transforms.FoldBatchNorm) FoldBatchNorm();
            if (transforms.ChannelsLast) Models.ChannelsLast.ConvertConvolutions(this);
        }
        foreach (var parameter in parameters())
            parameter.requires_grad = false;
        Transforms = transforms;
    }

    /// <summary>
    /// Whether <see cref="Trainer"/> runs this model's convolutions channels_last by default (weights in NHWC order while
    /// training, back to NCHW afterwards). False here; the ResNets say true, where it was measured faster.
    /// </summary>
    public virtual bool TrainsChannelsLast => false;

    /// <summary>Refuses training mode once the model is prepared for inference: its folded weights must not be trained.</summary>
    public override void train(bool train = true)
    {
        if (train && Transforms.Any)
            throw new InvalidOperationException(
                $"this {Architecture} model was prepared for inference ({Transforms}) and cannot be trained; load the checkpoint again");
        base.train(train);
    }

    /// <summary>Folds every eval-mode batch-norm into the convolution before it; models without batch-norm have none.</summary>
    protected virtual void FoldBatchNorm()
    {
    }

    /// <summary>The normalised input, channels_last when the model's convolutions are (see <see cref="InferenceTransforms"/>).</summary>
    protected Tensor Normalize(Tensor input, Tensor mean, Tensor std)
    {
        if (!Transforms.ChannelsLast || input.dim() != 4)
            return InputNormalization.Apply(input, mean, std);
        using var normalized = InputNormalization.Apply(input, mean, std);
        return Models.ChannelsLast.Of(normalized);
    }
}
