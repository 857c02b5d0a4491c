using StreamPipeline.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace StreamPipeline.Attacks;

/// <summary>
/// Batched projected gradient descent/ascent. Owns only the loop: the threat model comes from
/// <see cref="AttackSteps"/>, the loss from an <see cref="IAttackObjective"/>. Input gradients only
/// (torch.autograd.grad w.r.t. x); parameter gradients are never accumulated. The model's mode
/// (eval) is the caller's choice and is not changed here.
/// </summary>
public static class PgdAttack
{
    /// <summary>
    /// Runs <see cref="AttackSettings.Steps"/> iterations from <paramref name="x0"/>, projecting around
    /// <paramref name="origin"/>. <paramref name="exampleIndices"/> and <paramref name="seed"/> seed each example's
    /// random start, so a result does not depend on the batch it ran in. Caller's tensors are neither modified
    /// nor disposed. Throws <see cref="OperationCanceledException"/> between iterations when cancelled.
    /// </summary>
    public static PgdResult Run(
        ClassifierModel model,
        Tensor x0,
        Tensor origin,
        IAttackObjective objective,
        AttackSettings settings,
        long[] exampleIndices,
        long seed,
        CancellationToken ct = default)
    {
        settings.Validate();
        var n = x0.shape[0];
        if (exampleIndices.Length != n)
            throw new ArgumentException($"{exampleIndices.Length} example indices for a batch of {n}", nameof(exampleIndices));
        if (!x0.shape.SequenceEqual(origin.shape))
            throw new ArgumentException($"start shape [{string.Join(",", x0.shape)}] differs from origin shape [{string.Join(",", origin.shape)}]", nameof(origin));

        var step = AttackSteps.Create(settings);
        // Targeted attacks descend the objective; untargeted ones ascend it. Same loop, one sign.
        var direction = settings.Targeted ? -1f : 1f;

        // Only the input gradient is wanted: with the parameters frozen, autograd keeps no graph for the weights
        // (less memory per example, so larger batches fit). Restored afterwards: adversarial training needs them.
        var frozen = model.parameters().Where(p => p.requires_grad).ToArray();
        foreach (var parameter in frozen)
            parameter.requires_grad = false;
        try
        {
            return Iterate(model, x0, origin, objective, settings, exampleIndices, seed, step, direction, ct);
        }
        finally
        {
            foreach (var parameter in frozen)
                parameter.requires_grad = true;
        }
    }

    private static PgdResult Iterate(
        ClassifierModel model, Tensor x0, Tensor origin, IAttackObjective objective, AttackSettings settings,
        long[] exampleIndices, long seed, IAttackStep step, float direction, CancellationToken ct)
    {
        using var runScope = NewDisposeScope();
        var x = settings.RandomStart
            ? StartNoise(step, x0, origin, exampleIndices, seed)
            : x0.detach().clone();
        Tensor? best = null;
        Tensor? bestLoss = null;

        for (var i = 0; i < settings.Steps; i++)
        {
            ct.ThrowIfCancellationRequested();
            using var iteration = NewDisposeScope();
            var xi = x.detach().requires_grad_(true);
            var (logits, representation) = model.ForwardWithRepresentation(xi);
            var loss = objective.Loss(logits, representation);
            var grad = torch.autograd.grad(new[] { loss.sum() }, new[] { xi })[0];
            if (settings.KeepBest)
                (best, bestLoss) = KeepBetter(iteration, best, bestLoss, x, loss.detach(), settings.Targeted);
            Tensor next;
            using (no_grad())
                next = step.Project(step.Step(x, grad * direction), origin);
            x.Dispose();
            x = iteration.MoveToOuter(next);
        }

        ct.ThrowIfCancellationRequested();
        Tensor finalLoss;
        using (var last = NewDisposeScope())
        using (no_grad())
        {
            var (logits, representation) = model.ForwardWithRepresentation(x);
            finalLoss = last.MoveToOuter(objective.Loss(logits, representation).detach());
        }
        if (settings.KeepBest)
        {
            using var pick = NewDisposeScope();
            (best, bestLoss) = KeepBetter(pick, best, bestLoss, x, finalLoss, settings.Targeted);
            return new PgdResult(runScope.MoveToOuter(best!), runScope.MoveToOuter(bestLoss!));
        }
        return new PgdResult(runScope.MoveToOuter(x), runScope.MoveToOuter(finalLoss));
    }

    /// <summary>Per example, the better of (best, bestLoss) and (x, loss); the new pair lives in the enclosing scope.</summary>
    private static (Tensor Best, Tensor BestLoss) KeepBetter(
        DisposeScope scope, Tensor? best, Tensor? bestLoss, Tensor x, Tensor loss, bool minimise)
    {
        if (best is null || bestLoss is null)
            return scope.MoveToOuter(x.detach().clone(), loss.clone());
        var improved = minimise ? loss < bestLoss : loss > bestLoss;
        var mask = improved.view(PerExample.BroadcastShape(x));
        var newBest = torch.where(mask, x.detach(), best);
        var newLoss = torch.where(improved, loss, bestLoss);
        best.Dispose();
        bestLoss.Dispose();
        return scope.MoveToOuter(newBest, newLoss);
    }

    /// <summary>Gaussian noise drawn per example on the CPU from (seed, index), then handed to the step object.</summary>
    private static Tensor StartNoise(IAttackStep step, Tensor x0, Tensor origin, long[] exampleIndices, long seed)
    {
        using var scope = NewDisposeScope();
        var perExample = (int)(x0.numel() / Math.Max(1, x0.shape[0]));
        var noise = new float[exampleIndices.Length * perExample];
        for (var i = 0; i < exampleIndices.Length; i++)
            new ExampleRandom(seed, exampleIndices[i], RandomPurpose.StartNoise)
                .FillGaussian(noise.AsSpan(i * perExample, perExample));
        var noiseTensor = torch.tensor(noise, x0.shape).to(x0.device);
        return scope.MoveToOuter(step.RandomStart(x0.detach(), origin, noiseTensor));
    }
}
