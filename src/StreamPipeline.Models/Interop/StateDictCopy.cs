using StreamPipeline.Data;
using static TorchSharp.torch;

namespace StreamPipeline.Models.Interop;

/// <summary>
/// Copies source tensors into a model by key, strictly: every parameter and buffer of the model must be there with its
/// shape (BatchNorm's <c>num_batches_tracked</c> excepted: files from PyTorch before 0.4.1 have none, and PyTorch's own
/// loader tolerates that too), and no source tensor may be left over. The first key that does not fit is named.
/// </summary>
internal static class StateDictCopy
{
    /// <summary>Model keys that are set through the model's constructor, not copied.</summary>
    private static readonly HashSet<string> ConstructorBuffers = ["mean", "std"];

    /// <summary>Copies and returns notes (dtype conversions); throws <see cref="InvalidDataException"/> on the first misfit.</summary>
    public static IReadOnlyList<string> CopyInto(ClassifierModel model, IReadOnlyDictionary<string, Tensor> source, string path)
    {
        var subject = $"a {model.Architecture} for {model.InputShape} images and {model.Classes} classes";
        var targets = model.state_dict();
        var converted = new List<string>();
        using (no_grad())
        {
            foreach (var (key, target) in targets)
            {
                if (ConstructorBuffers.Contains(key)) continue;
                if (!source.TryGetValue(key, out var tensor))
                {
                    if (key.EndsWith(".num_batches_tracked", StringComparison.Ordinal)) continue;
                    throw new InvalidDataException($"{path}: missing key '{InputText.Show(key)}': {subject} expects {TensorText.Describe(target)}");
                }
                if (!tensor.shape.SequenceEqual(target.shape))
                    throw new InvalidDataException($"{path}: key '{InputText.Show(key)}' has shape {TensorText.Shape(tensor.shape)}, {subject} expects {TensorText.Describe(target)}");
                if (tensor.dtype != target.dtype)
                {
                    if (tensor.is_floating_point() != target.is_floating_point())
                        throw new InvalidDataException($"{path}: key '{InputText.Show(key)}' holds {TensorText.Describe(tensor)}, {subject} expects {TensorText.Describe(target)}");
                    converted.Add(key);
                }
                target.copy_(tensor);
            }
        }

        var unexpected = source.Keys.Where(k => !targets.ContainsKey(k)).Order(StringComparer.Ordinal).FirstOrDefault();
        if (unexpected is not null)
            throw new InvalidDataException($"{path}: unexpected key '{InputText.Show(unexpected)}': {subject} has no such tensor (is --arch right?)");
        return converted.Count == 0
            ? []
            : [$"converted {converted.Count} tensor(s) to the model's dtype (first: {converted[0]}, {TensorText.DType(source[converted[0]].dtype)} → {TensorText.DType(targets[converted[0]].dtype)})"];
    }
}
