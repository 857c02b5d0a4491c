using StreamPipeline.Tests.Shared;

namespace StreamPipeline.Models.Tests.Interop;

/// <summary>
/// Models written by real PyTorch (scripts/torch_interop.py make), each with PyTorch's logits and representation on
/// seeded inputs; made on first use, once for the whole collection, in a temporary directory (the ResNet-50 is 190 MB
/// with its optimizer state: never committed).
/// </summary>
public sealed class PyTorchFiles : IDisposable
{
    private readonly Dictionary<string, (string Weights, TorchReference Reference)> _made = new(StringComparer.Ordinal);

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("sp-interop-").FullName;

    /// <summary>The robustness library's CIFAR ResNet-50 checkpoint: DataParallel(AttackerModel), optimizer, schedule, a dill-only lambda.</summary>
    public (string Weights, TorchReference Reference) RobustnessResNet50 => Make("robustness-resnet50", "resnet50", "robustness", "3,32,32");

    /// <summary>A bare small-cnn state_dict (no normalisation), as anyone's training script saves it.</summary>
    public (string Weights, TorchReference Reference) PlainSmallCnn => Make("plain-small-cnn", "small-cnn", "plain", "1,28,28");

    /// <summary>A ResNet-18 state_dict with our mean/std buffers (the layout export-model writes).</summary>
    public (string Weights, TorchReference Reference) ResNet18WithNormalisation => Make("ours-resnet18", "resnet18", "ours", "3,32,32");

    /// <summary>The robustness/torchvision ImageNet ResNet-50 layout, bare, on small 64×64 images to stay cheap.</summary>
    public (string Weights, TorchReference Reference) PlainImageNetResNet50 => Make("plain-resnet50-imagenet", "resnet50-imagenet", "plain", "3,64,64", images: 2);

    /// <summary>A small-cnn written as safetensors by the script's own writer (not TorchSharp.PyBridge's).</summary>
    public (string Weights, TorchReference Reference) SafetensorsSmallCnn => Make("safetensors-small-cnn", "small-cnn", "ours", "3,16,16", format: "safetensors");

    /// <summary>
    /// A robustness-layout checkpoint (DataParallel(AttackerModel), optimizer, dill lambda) in torch.save's legacy
    /// (pre-1.6) format, as the library's 2019 releases were written; a small-cnn inside keeps it cheap.
    /// </summary>
    public (string Weights, TorchReference Reference) LegacyRobustnessSmallCnn => Make("legacy-robustness-small-cnn", "small-cnn", "robustness", "3,32,32", format: "pt-legacy");

    public string File(string name) => Path.Combine(Directory, name);

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    private (string, TorchReference) Make(string name, string arch, string layout, string shape, string format = "pt", int images = 4)
    {
        lock (_made)
        {
            if (_made.TryGetValue(name, out var made)) return made;
            var weights = File(name + (format == "safetensors" ? ".safetensors" : ".pt"));
            var reference = TorchReference.Make(arch, layout, shape, weights, File(name + ".json"), format, images: images);
            return _made[name] = (weights, reference);
        }
    }
}
