namespace StreamPipeline.Models;

/// <summary>
/// The eval-mode rewrites a model gets before it is attacked (<see cref="ClassifierModel.PrepareForInference"/>): every
/// batch-norm folded into the convolution before it, and the convolutions run channels_last (weights and activations in
/// NHWC memory order, so oneDNN does no layout reorders around each convolution). Neither changes what the model
/// computes, only the order of float operations: logits agree with the untransformed model to about 1e-6 of their scale.
/// </summary>
public sealed record InferenceTransforms(bool FoldBatchNorm, bool ChannelsLast)
{
    /// <summary>No rewrite: the model as trained.</summary>
    public static InferenceTransforms None { get; } = new(false, false);

    /// <summary>Every rewrite: what builds, robust evaluation and transfer use.</summary>
    public static InferenceTransforms All { get; } = new(true, true);

    public bool Any => FoldBatchNorm || ChannelsLast;

    /// <summary>Names as bench accepts and prints them.</summary>
    public const string NoneName = "none";
    public const string AllName = "all";
    public const string FoldName = "fold-bn";
    public const string ChannelsLastName = "channels-last";

    /// <summary>
    /// <c>all</c>, <c>none</c>, or a comma-separated list of <c>fold-bn</c> and <c>channels-last</c>; null for anything else.
    /// </summary>
    public static InferenceTransforms? Parse(string? text)
    {
        if (text is null) return null;
        var names = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names.Length == 0) return null;
        if (names is [AllName]) return All;
        if (names is [NoneName]) return None;
        bool fold = false, channelsLast = false;
        foreach (var name in names)
        {
            switch (name)
            {
                case FoldName: fold = true; break;
                case ChannelsLastName: channelsLast = true; break;
                default: return null;
            }
        }
        return new InferenceTransforms(fold, channelsLast);
    }

    public override string ToString() =>
        this == All ? AllName : this == None ? NoneName : FoldBatchNorm ? FoldName : ChannelsLastName;
}
