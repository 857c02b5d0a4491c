using StreamPipeline.Data;

namespace StreamPipeline.Models.Interop;

/// <summary>
/// What to import: a PyTorch file (<c>torch.save</c> zip format, or safetensors), the architecture its weights are for,
/// the checkpoint to write, and — when they cannot be read off the weights — the class count and input shape.
/// </summary>
public sealed record ImportRequest(string Source, string Architecture, string Output, int? Classes = null, ImageShape? InputShape = null);
