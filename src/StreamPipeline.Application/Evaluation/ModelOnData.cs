using StreamPipeline.Data;
using StreamPipeline.Models;
using TorchSharp;

namespace StreamPipeline.Application.Evaluation;

/// <summary>
/// What an evaluation opens first, in this order: the device, the data (up to its limit), then the checkpoint, loaded
/// onto the device, checked to fit the data and prepared for inference (every <see cref="InferenceTransforms"/>: the
/// evaluation only reads it and attacks it). Disposing releases the model and the data.
/// </summary>
internal sealed class ModelOnData : IDisposable
{
    private ModelOnData(torch.Device device, IImageDataset data, ClassifierModel model) =>
        (Device, Data, Model) = (device, data, model);

    public torch.Device Device { get; }

    public IImageDataset Data { get; }

    public ClassifierModel Model { get; }

    public static ModelOnData Open(string model, string data, string? dataRoot, long? limit, string device, Action<string> say)
    {
        var selected = DeviceSelector.Select(device, say);
        var opened = DatasetReference.Open(data, new DatasetOptions(dataRoot, limit));
        try
        {
            var (loaded, _) = Checkpoint.LoadFor(model, selected, opened.Shape, opened.Classes);
            try
            {
                loaded.PrepareForInference(InferenceTransforms.All);
            }
            catch
            {
                loaded.Dispose();
                throw;
            }
            return new ModelOnData(selected, opened, loaded);
        }
        catch
        {
            opened.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Model.Dispose();
        Data.Dispose();
    }
}
