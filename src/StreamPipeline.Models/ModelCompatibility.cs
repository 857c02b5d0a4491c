using StreamPipeline.Data;

namespace StreamPipeline.Models;

/// <summary>Checks that a model's input shape and class count fit a dataset.</summary>
internal static class ModelCompatibility
{
    public static void Check(string subject, ImageShape modelShape, int modelClasses, string dataDescription, ImageShape shape, int classes)
    {
        var problems = new List<string>();
        if (modelShape != shape)
            problems.Add($"model expects {modelShape} images, dataset has {shape}");
        if (modelClasses != classes)
            problems.Add($"model has {modelClasses} classes, dataset has {classes}");
        if (problems.Count > 0)
            throw new ArgumentException($"{subject} does not fit {dataDescription}: {string.Join("; ", problems)}");
    }
}
