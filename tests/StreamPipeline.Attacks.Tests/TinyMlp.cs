using StreamPipeline.Data;
using StreamPipeline.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StreamPipeline.Attacks.Tests;

/// <summary>flatten → Linear → ReLU (the representation) → Linear; weights seeded, so every test builds the same model.</summary>
public sealed class TinyMlp : ClassifierModel
{
    private readonly Linear hidden;
    private readonly Linear output;

    public TinyMlp(ImageShape shape, int classes, int hiddenUnits, ulong seed)
        : base(nameof(TinyMlp), "tiny-mlp", shape, classes)
    {
        hidden = nn.Linear(shape.Size, hiddenUnits);
        output = nn.Linear(hiddenUnits, classes);
        RegisterComponents();
        using var _ = no_grad();
        using var generator = new Generator(seed);
        foreach (var p in parameters())
        {
            var fanIn = p.dim() == 2 ? p.shape[1] : p.shape[0];
            using var init = (rand(p.shape, generator: generator) * 2 - 1) / MathF.Sqrt(fanIn);
            p.copy_(init);
        }
        eval();
    }

    public override (Tensor Logits, Tensor Representation) ForwardWithRepresentation(Tensor input)
    {
        using var scope = NewDisposeScope();
        var representation = nn.functional.relu(hidden.forward(input.flatten(1)));
        var logits = output.forward(representation);
        return scope.MoveToOuter(logits, representation);
    }

    /// <summary>A few hundred Adam steps on <see cref="SyntheticImages"/>; returns the final training accuracy.</summary>
    public float Train(SyntheticImages data, int steps, int batchSize, double learningRate = 3e-3)
    {
        train();
        using var optimizer = optim.Adam(parameters(), lr: learningRate);
        var rng = new Random(7);
        for (var step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            var batch = data.Batch(Enumerable.Range(0, batchSize).Select(_ => (long)rng.Next(data.Count)).ToArray());
            var x = tensor(batch.Pixels, new long[] { batch.Count, InputShape.Channels, InputShape.Height, InputShape.Width });
            var y = tensor(batch.Labels.Select(l => (long)l).ToArray());
            optimizer.zero_grad();
            nn.functional.cross_entropy(forward(x), y).backward();
            optimizer.step();
        }
        eval();
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var all = data.Batch(Enumerable.Range(0, data.Count).Select(i => (long)i).ToArray());
            var x = tensor(all.Pixels, new long[] { all.Count, InputShape.Channels, InputShape.Height, InputShape.Width });
            var predicted = forward(x).argmax(1).data<long>().ToArray();
            return predicted.Where((p, i) => p == all.Labels[i]).Count() / (float)all.Count;
        }
    }
}
