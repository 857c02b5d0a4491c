using StreamPipeline.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace StreamPipeline.Attacks;

/// <summary>Untargeted PGD on the true labels as an <see cref="ExamplePerturber"/>, for adversarial training and robust evaluation.</summary>
public static class Adversary
{
    /// <summary>
    /// A perturber that maximises cross-entropy on the true labels with <paramref name="settings"/> (Targeted is forced off).
    /// Random starts are drawn per call from a running example counter, so a run is reproducible given the same call order.
    /// </summary>
    public static ExamplePerturber Untargeted(AttackSettings settings, long seed)
    {
        var untargeted = (settings with { Targeted = false }).Validate();
        long next = 0;
        return (model, images, labels) =>
        {
            var n = (int)images.shape[0];
            var indices = new long[n];
            var first = Interlocked.Add(ref next, n) - n;
            for (var i = 0; i < n; i++) indices[i] = first + i;
            var wasTraining = model.training;
            model.eval();
            try
            {
                using var scope = NewDisposeScope();
                var objective = new TargetedCrossEntropy(labels);
                using var result = PgdAttack.Run(model, images, images, objective, untargeted, indices, seed);
                return scope.MoveToOuter(result.Adversarial.detach().clone());
            }
            finally
            {
                if (wasTraining) model.train();
            }
        };
    }
}
