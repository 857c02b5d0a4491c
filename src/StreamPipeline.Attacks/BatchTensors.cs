using StreamPipeline.Data;
using StreamPipeline.Models;
using static TorchSharp.torch;

namespace StreamPipeline.Attacks;

/// <summary>Checks a request against the model and turns its plain arrays into tensors and back.</summary>
internal static class BatchTensors
{
    internal static void CheckSource(ClassifierModel model, ImageBatch source)
    {
        if (source.Shape != model.InputShape)
            throw new ArgumentException($"batch image shape {source.Shape} differs from the model's input shape {model.InputShape}");
        if (source.Labels.Length != source.Count)
            throw new ArgumentException($"batch has {source.Count} indices but {source.Labels.Length} labels");
        if (source.Pixels.Length != (long)source.Count * source.Shape.Size)
            throw new ArgumentException($"batch of {source.Count} images {source.Shape} needs {(long)source.Count * source.Shape.Size} pixel values, got {source.Pixels.Length}");
        foreach (var label in source.Labels)
            if (label < 0 || label >= model.Classes)
                throw new ArgumentException($"label {label} is outside [0, {model.Classes}) for model {model.Architecture}");
    }

    /// <summary>Pixels N×C×H×W on the device, in the current dispose scope.</summary>
    internal static Tensor Images(float[] pixels, int count, ImageShape shape, Device device)
    {
        var dims = new long[] { count, shape.Channels, shape.Height, shape.Width };
        using var cpu = tensor(pixels, dims);
        return cpu.to(device);
    }

    internal static float[] ToFloats(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().contiguous().cpu().data<float>().ToArray();
    }

    internal static long[] ToLongs(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().contiguous().cpu().data<long>().ToArray();
    }
}
