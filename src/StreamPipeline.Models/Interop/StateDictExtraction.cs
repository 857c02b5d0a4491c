using System.Collections;
using static TorchSharp.torch;

namespace StreamPipeline.Models.Interop;

/// <summary>
/// Finds the model weights in an unpickled PyTorch file and renames them to our models' keys. Understood layouts: a
/// plain state_dict; a dict holding it under <c>model</c> or <c>state_dict</c> (other entries — optimizer, schedule,
/// epoch — are skipped); the <c>module.</c> prefix of DataParallel; the MadryLab <c>robustness</c> AttackerModel
/// (<c>model.*</c> kept, its duplicate <c>attacker.*</c> dropped, <c>normalizer.new_mean/new_std</c> → mean/std); and our
/// own export (<c>mean</c>/<c>std</c> buffers at the top level).
/// </summary>
internal static class StateDictExtraction
{
    private static readonly string[] WeightEntries = ["model", "state_dict"];
    private const string DataParallelPrefix = "module.";
    private const string RobustnessModelPrefix = "model.";
    private const string RobustnessAttackerPrefix = "attacker.";
    private const string RobustnessMean = "normalizer.new_mean";
    private const string RobustnessStd = "normalizer.new_std";

    public static SourceStateDict Extract(object root, string path)
    {
        if (root is IDictionary<string, Tensor> flat) // safetensors: always a flat map of tensors
            return Rename(new Dictionary<string, Tensor>(flat, StringComparer.Ordinal), "top level", [], path);
        if (root is not IDictionary top)
            throw new InvalidDataException($"{path}: the file holds {Describe(root)}, not a state_dict or a dict holding one");

        var notes = new List<string>();
        IDictionary stateDict;
        string entry;
        var weightsKey = WeightEntries.FirstOrDefault(k => top.Contains(k) && top[k] is IDictionary d && CountTensors(d) > 0);
        if (weightsKey is not null)
        {
            stateDict = (IDictionary)top[weightsKey]!;
            entry = weightsKey;
            var skipped = top.Keys.Cast<object>().Select(k => k?.ToString() ?? "None").Where(k => k != weightsKey).Order(StringComparer.Ordinal).ToList();
            if (skipped.Count > 0)
                notes.Add($"using the weights in entry '{entry}'; skipped the other entries, which are not model weights: {string.Join(", ", skipped)}");
        }
        else if (CountTensors(top) > 0)
        {
            stateDict = top;
            entry = "top level";
        }
        else
        {
            var keys = string.Join(", ", top.Keys.Cast<object>().Select(k => $"'{k}'").Take(10));
            throw new InvalidDataException(
                $"{path}: no state_dict found: no tensors at the top level and no 'model' or 'state_dict' entry holding them (top-level entries: {keys})");
        }

        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var others = new List<string>();
        foreach (DictionaryEntry item in stateDict)
        {
            if (item.Key is string key && item.Value is Tensor tensor) tensors[key] = tensor;
            else others.Add(item.Key?.ToString() ?? "None");
        }
        if (others.Count > 0)
            notes.Add($"skipped {others.Count} non-tensor entr{(others.Count == 1 ? "y" : "ies")} in {entry}: {string.Join(", ", others.Order(StringComparer.Ordinal).Take(5))}");
        return Rename(tensors, entry, notes, path);
    }

    private static SourceStateDict Rename(Dictionary<string, Tensor> tensors, string entry, List<string> notes, string path)
    {
        var layout = new List<string>();
        if (tensors.Count > 0 && tensors.Keys.All(k => k.StartsWith(DataParallelPrefix, StringComparison.Ordinal)))
        {
            tensors = tensors.ToDictionary(p => p.Key[DataParallelPrefix.Length..], p => p.Value, StringComparer.Ordinal);
            layout.Add("DataParallel (module.*)");
        }

        float[]? mean, std;
        if (tensors.ContainsKey(RobustnessMean) || tensors.Keys.Any(k => k.StartsWith(RobustnessAttackerPrefix + RobustnessModelPrefix, StringComparison.Ordinal)))
        {
            layout.Add("robustness AttackerModel (model.*, attacker.*, normalizer.*)");
            mean = TakeVector(tensors, RobustnessMean, path);
            std = TakeVector(tensors, RobustnessStd, path);
            var renamed = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            var duplicates = new List<KeyValuePair<string, Tensor>>();
            foreach (var (key, tensor) in tensors)
            {
                if (key.StartsWith(RobustnessAttackerPrefix, StringComparison.Ordinal)) duplicates.Add(new(key, tensor));
                else if (key.StartsWith(RobustnessModelPrefix, StringComparison.Ordinal)) renamed[key[RobustnessModelPrefix.Length..]] = tensor;
                else renamed[key] = tensor; // left as it is: the key check names it as unexpected
            }
            // robustness holds one model twice (AttackerModel.model and its Attacker's); say so if the copies differ.
            var differing = duplicates
                .Where(d => d.Key.StartsWith(RobustnessAttackerPrefix + RobustnessModelPrefix, StringComparison.Ordinal))
                .Where(d => renamed.TryGetValue(d.Key[(RobustnessAttackerPrefix + RobustnessModelPrefix).Length..], out var kept) && !SameValues(kept, d.Value))
                .Select(d => d.Key).ToList();
            if (duplicates.Count > 0)
                notes.Add($"dropped {duplicates.Count} attacker.* tensors (the robustness library's second reference to the same model and normaliser)");
            if (differing.Count > 0)
                notes.Add($"{differing.Count} attacker.model.* tensors differ from their model.* copies (first: {differing[0]}); using model.*");
            tensors = renamed;
        }
        else
        {
            mean = TakeVector(tensors, "mean", path);
            std = TakeVector(tensors, "std", path);
            layout.Add(mean is null ? "plain state_dict" : "StreamPipeline export (mean/std buffers)");
        }

        if ((mean is null) != (std is null))
            throw new InvalidDataException($"{path}: the input normalisation has {(mean is null ? "a std but no mean" : "a mean but no std")}");
        return new SourceStateDict(tensors, mean, std, string.Join(", ", layout), entry, notes);
    }

    private static float[]? TakeVector(Dictionary<string, Tensor> tensors, string key, string path)
    {
        if (!tensors.Remove(key, out var tensor)) return null;
        if (!tensor.is_floating_point())
            throw new InvalidDataException($"{path}: key '{key}' should hold floating-point values, has {TensorText.Describe(tensor)}");
        using var values = tensor.detach().to(ScalarType.Float32).flatten();
        return values.data<float>().ToArray();
    }

    private static bool SameValues(Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && a.Equals(b);

    private static int CountTensors(IDictionary dictionary) => dictionary.Values.OfType<Tensor>().Count();

    private static string Describe(object? value) => value switch
    {
        null => "None",
        Tensor t => $"a single tensor ({TensorText.Describe(t)})",
        UnreadableObject u => $"an object of class {u.ClassName} (a whole pickled model? save its state_dict() instead)",
        _ => $"a {value.GetType().Name}",
    };
}
