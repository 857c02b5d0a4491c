using StreamPipeline.Data;
using StreamPipeline.Models;
using static TorchSharp.torch;

namespace StreamPipeline.Attacks.Tests;

/// <summary>A classifier that predicts <c>predicted</c> whatever the input: its transfer success is known by construction.</summary>
public sealed class ConstantModel : ClassifierModel
{
    private readonly int _predicted;

    public ConstantModel(ImageShape shape, int classes, int predicted)
        : base(nameof(ConstantModel), "constant", shape, classes)
    {
        _predicted = predicted;
        RegisterComponents();
    }

    public override (Tensor Logits, Tensor Representation) ForwardWithRepresentation(Tensor input)
    {
        using var scope = NewDisposeScope();
        var n = input.shape[0];
        var logits = nn.functional.one_hot(full(n, _predicted, dtype: int64, device: input.device), Classes).to_type(float32);
        // Depends on the input (with zero weight) so a gradient through it exists, as for any model.
        var representation = input.flatten(1) * 0f;
        return scope.MoveToOuter(logits + representation.sum(1, keepdim: true), representation);
    }
}
