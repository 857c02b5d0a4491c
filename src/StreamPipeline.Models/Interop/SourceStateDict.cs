using static TorchSharp.torch;

namespace StreamPipeline.Models.Interop;

/// <summary>
/// The weights found in a PyTorch file, with keys already in our models' naming (wrappers stripped), the input
/// normalisation it carried (null when none), how the file was laid out, which entry held the weights, and notes on
/// what was skipped.
/// </summary>
internal sealed record SourceStateDict(
    IReadOnlyDictionary<string, Tensor> Tensors,
    float[]? Mean,
    float[]? Std,
    string Layout,
    string Entry,
    IReadOnlyList<string> Notes);
