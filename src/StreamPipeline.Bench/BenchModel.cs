using StreamPipeline.Data;
using StreamPipeline.Models;
using TorchSharp;

namespace StreamPipeline.Bench;

/// <summary>
/// The checkpoint and data bench attacks. <c>--model</c> names a checkpoint, or an architecture whose freshly
/// initialised model is saved to a temporary checkpoint (PGD costs the same whatever the weights: no early stop).
/// Without <c>--data</c>, a 1×28×28 model gets Fashion-MNIST and a 3×32×32 one (the ResNets) a CIFAR-10-format file of
/// seeded random images written to the temporary directory.
/// </summary>
/// <param name="Name">The checkpoint path, or e.g. <c>resnet50 (freshly initialised)</c>.</param>
/// <param name="Verified">The checkpoint read and hashed once: every model bench makes loads from its bytes.</param>
public sealed record BenchModel(string Path, string Name, VerifiedCheckpoint Verified, string Data)
{
    public CheckpointInfo Info => Verified.Info;

    public const string DefaultSmallData = "fashion-mnist:train";

    private static readonly ImageShape FashionMnistShape = KnownDatasets.FashionMnist.Shape;
    private static readonly ImageShape CifarShape = KnownDatasets.Cifar10.Shape;

    /// <summary>Resolves model and data; <paramref name="limit"/> sizes a generated data file.</summary>
    public static BenchModel Prepare(string? model, string? data, string? dataRoot, Func<string, long> limitFor, string root)
    {
        var architecture = SmallCnn.ArchitectureName;
        string? checkpoint = null;
        if (model is not null && (File.Exists(model) || !ModelFactory.Architectures.Contains(model)))
        {
            if (!File.Exists(model))
                throw new FileNotFoundException($"--model {model}: no such checkpoint, and not an architecture ({string.Join(", ", ModelFactory.Architectures)})");
            checkpoint = model;
            architecture = Checkpoint.ReadInfo(model).Architecture;
        }
        else if (model is not null)
        {
            architecture = model;
        }

        if (data is null)
        {
            var shape = checkpoint is not null ? Checkpoint.ReadInfo(checkpoint).InputShape
                : architecture is ResNet.Cifar18 or ResNet.Cifar50 ? CifarShape
                : architecture == ResNet.ImageNet50 ? null
                : FashionMnistShape;
            if (shape == FashionMnistShape)
                data = DefaultSmallData;
            else if (shape == CifarShape)
                data = RandomCifar10.Write(System.IO.Path.Combine(root, "cifar10"), limitFor(architecture), seed: 0);
            else
                throw new ArgumentException($"bench has no default data for {architecture}{(shape is null ? "" : $" ({shape})")}; give --data");
        }

        if (checkpoint is not null)
            return new BenchModel(checkpoint, checkpoint, VerifiedCheckpoint.Read(checkpoint), data);
        using var opened = DatasetReference.Open(data, new DatasetOptions(dataRoot));
        var path = System.IO.Path.Combine(root, architecture + ".pt");
        torch.manual_seed(0);
        using var fresh = ModelFactory.Create(architecture, opened.Shape, opened.Classes);
        Checkpoint.Save(fresh, path, CheckpointInfo.Describe(fresh, opened.Reference));
        return new BenchModel(path, $"{architecture} (freshly initialised)", VerifiedCheckpoint.Read(path), data);
    }
}
