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

    /// <summary>Logits (N×Classes) and representation (N×D) in one pass.</summary>
    public abstract (Tensor Logits, Tensor Representation) ForwardWithRepresentation(Tensor input);

    /// <summary>Logits only.</summary>
    public override Tensor forward(Tensor input)
    {
        var (logits, representation) = ForwardWithRepresentation(input);
        representation.Dispose();
        return logits;
    }
}
