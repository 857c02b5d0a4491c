using static TorchSharp.torch;

namespace StreamPipeline.Models.Interop;

/// <summary>How tensors are named in messages: <c>float32 [64, 3, 3, 3]</c>.</summary>
internal static class TensorText
{
    public static string Describe(Tensor tensor) => $"{DType(tensor.dtype)} {Shape(tensor.shape)}";

    public static string Shape(long[] shape) => $"[{string.Join(", ", shape)}]";

    public static string DType(ScalarType type) => type.ToString().ToLowerInvariant();
}
