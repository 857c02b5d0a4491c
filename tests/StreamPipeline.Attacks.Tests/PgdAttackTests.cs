using StreamPipeline.Data;
using TorchSharp;
using static TorchSharp.torch;
using Xunit.Abstractions;

namespace StreamPipeline.Attacks.Tests;

public sealed class PgdAttackTests : TorchTest
{
    private static readonly ImageShape Small = new(1, 8, 8);
    private readonly ITestOutputHelper _output;

    public PgdAttackTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public void Targeted_attack_on_a_linear_model_moves_along_wt_minus_wy()
    {
        for (var seed = 0; seed < 10; seed++)
        {
            using var scope = NewDisposeScope();
            var (model, w, x0) = TwoClassProblem(seed, distance: 0.5f, Distance.L2);
            var x = tensor(x0, new long[] { 1, 1, 8, 8 });
            var y = tensor(new long[] { 1 }); // target class 1, source class 0
            var settings = new AttackSettings(ThreatModel.L2, Eps: 10f, StepSize: 0.05f, Steps: 1, KeepBest: false);
            using var result = PgdAttack.Run(model, x, x, new TargetedCrossEntropy(y), settings, new[] { 0L }, seed: 1);

            var moved = TensorAssert.Floats(result.Adversarial).Zip(x0, (a, b) => (double)(a - b)).ToArray();
            var expected = Enumerable.Range(0, Small.Size).Select(j => (double)(w[1, j] - w[0, j])).ToArray();
            var cosine = Dot(moved, expected) / Math.Sqrt(Dot(moved, moved) * Dot(expected, expected));
            Assert.True(cosine > 1 - 1e-5, $"seed {seed}: cosine {cosine}");
            Assert.InRange(Math.Sqrt(Dot(moved, moved)), 0.05 * (1 - 1e-4), 0.05 * (1 + 1e-4));
        }
    }

    [Theory]
    [InlineData(ThreatModel.L2)]
    [InlineData(ThreatModel.Linf)]
    public void Targeted_attack_reaches_the_target_exactly_when_eps_exceeds_the_analytic_distance(ThreatModel norm)
    {
        // Distance from x to the decision boundary of a 2-class linear model: |margin| / ‖w_t − w_y‖₂ for L2,
        // |margin| / ‖w_t − w_y‖₁ for L∞. Inside a smaller ball no point is classified as t; a larger ball holds one.
        var distance = norm == ThreatModel.L2 ? 0.5f : 0.05f;
        var kind = norm == ThreatModel.L2 ? Distance.L2 : Distance.Linf;
        for (var seed = 0; seed < 10; seed++)
        {
            using var scope = NewDisposeScope();
            var (model, w, x0) = TwoClassProblem(seed, distance, kind);
            var x = tensor(x0, new long[] { 1, 1, 8, 8 });
            var target = tensor(new long[] { 1 });
            foreach (var factor in new[] { 0.8f, 1.2f })
            {
                var eps = distance * factor;
                var settings = new AttackSettings(norm, eps, StepSize: eps / 10, Steps: 30);
                using var result = PgdAttack.Run(model, x, x, new TargetedCrossEntropy(target), settings, new[] { 0L }, seed: 1);
                using var logits = model.forward(result.Adversarial);
                var l = TensorAssert.Floats(logits);
                var margin = l[1] - l[0];
                // The attack moves straight toward the boundary and stops on the ball's surface:
                // margin = −distance·‖Δw‖ + eps·‖Δw‖ (the norm dual to the threat model).
                var dualNorm = norm == ThreatModel.L2 ? DeltaL2(w) : DeltaL1(w);
                var expected = (eps - distance) * dualNorm;
                Assert.True(Math.Abs(margin - expected) < 2e-3 * dualNorm, $"seed {seed} eps {eps}: margin {margin}, expected {expected}");
                if (factor > 1)
                    Assert.True(margin > 0, $"seed {seed}: eps {eps} > distance {distance} must reach the target");
                else
                    Assert.True(margin < 0, $"seed {seed}: eps {eps} < distance {distance} must not reach the target");
            }
        }
    }

    [Theory]
    [InlineData(ThreatModel.L2, 0.5f, true)]
    [InlineData(ThreatModel.Linf, 0.05f, true)]
    [InlineData(ThreatModel.L2, 1.5f, false)]
    public void Every_pgd_iterate_stays_within_eps_of_the_origin_and_inside_the_unit_box(ThreatModel norm, float eps, bool targeted)
    {
        for (var seed = 0; seed < 8; seed++)
        {
            using var scope = NewDisposeScope();
            var model = LinearModel.Random(Small, classes: 10, seed);
            using var generator = TensorAssert.Seeded(seed);
            var origin = rand(new long[] { 5, 1, 8, 8 }, generator: generator);
            var labels = randint(0, 10, new long[] { 5 }, generator: generator);
            var recorder = new RecordingObjective(new TargetedCrossEntropy(labels));
            var settings = new AttackSettings(norm, eps, StepSize: eps / 3, Steps: 20, RandomStart: true, Targeted: targeted);
            using var result = PgdAttack.Run(model, origin, origin, recorder, settings, Enumerable.Range(0, 5).Select(i => (long)i).ToArray(), seed);

            var originPixels = TensorAssert.Floats(origin);
            Assert.Equal(21, recorder.Calls);
            foreach (var iterate in recorder.Representations.Append(TensorAssert.Floats(result.Adversarial)))
            {
                Assert.All(iterate, p => Assert.InRange(p, 0f, 1f));
                for (var i = 0; i < 5; i++)
                {
                    var delta = Enumerable.Range(i * 64, 64).Select(j => (double)iterate[j] - originPixels[j]).ToArray();
                    var d = norm == ThreatModel.L2 ? Math.Sqrt(Dot(delta, delta)) : delta.Max(Math.Abs);
                    Assert.True(d <= eps * (1 + 1e-5) + 1e-7, $"seed {seed} example {i}: {norm} distance {d} > {eps}");
                }
            }
        }
    }

    [Fact]
    public void Targeted_attack_lowers_and_untargeted_attack_raises_the_cross_entropy()
    {
        using var scope = NewDisposeScope();
        var model = LinearModel.Random(Small, classes: 10, seed: 4);
        using var generator = TensorAssert.Seeded(4);
        var x = rand(new long[] { 8, 1, 8, 8 }, generator: generator);
        var labels = randint(0, 10, new long[] { 8 }, generator: generator);
        var before = TensorAssert.Floats(nn.functional.cross_entropy(model.forward(x), labels, reduction: nn.Reduction.None));
        var settings = new AttackSettings(ThreatModel.L2, 1f, 0.2f, Steps: 10);
        var indices = Enumerable.Range(0, 8).Select(i => (long)i).ToArray();
        using var down = PgdAttack.Run(model, x, x, new TargetedCrossEntropy(labels), settings, indices, 0);
        using var up = PgdAttack.Run(model, x, x, new TargetedCrossEntropy(labels), settings with { Targeted = false }, indices, 0);
        var lowered = TensorAssert.Floats(down.Loss);
        var raised = TensorAssert.Floats(up.Loss);
        for (var i = 0; i < 8; i++)
        {
            Assert.True(lowered[i] < before[i], $"example {i}: targeted {lowered[i]} !< {before[i]}");
            Assert.True(raised[i] > before[i], $"example {i}: untargeted {raised[i]} !> {before[i]}");
        }
    }

    [Fact]
    public void KeepBest_returns_each_examples_lowest_loss_iterate_not_the_last_one()
    {
        using var scope = NewDisposeScope();
        var model = LinearModel.Random(Small, classes: 10, seed: 12);
        using var generator = TensorAssert.Seeded(12);
        var x = rand(new long[] { 16, 1, 8, 8 }, generator: generator);
        var targets = randint(0, 10, new long[] { 16 }, generator: generator);
        var recorder = new RecordingObjective(new TargetedCrossEntropy(targets));
        // Steps far larger than the landscape's scale make the iterates overshoot and oscillate.
        var settings = new AttackSettings(ThreatModel.L2, Eps: 3f, StepSize: 1.5f, Steps: 15, KeepBest: true);
        using var result = PgdAttack.Run(model, x, x, recorder, settings, Enumerable.Range(0, 16).Select(i => (long)i).ToArray(), 0);

        var returned = TensorAssert.Floats(result.Loss);
        var recomputed = TensorAssert.Floats(nn.functional.cross_entropy(model.forward(result.Adversarial), targets, reduction: nn.Reduction.None));
        var lastWorse = 0;
        for (var i = 0; i < 16; i++)
        {
            var lowest = recorder.Losses.Min(l => l[i]);
            Assert.Equal(lowest, returned[i]);
            Assert.True(Math.Abs(recomputed[i] - returned[i]) <= 1e-5f * Math.Max(1f, returned[i]), $"example {i}: loss of the returned iterate {recomputed[i]} != {returned[i]}");
            if (recorder.Losses[^1][i] > lowest)
                lastWorse++;
        }
        Assert.True(lastWorse > 0, "the test needs at least one example whose last iterate is not its best");
    }

    [Fact]
    public void Attack_accumulates_no_parameter_gradients_and_leaves_the_model_mode_alone()
    {
        using var scope = NewDisposeScope();
        var model = new TinyMlp(Small, classes: 10, hiddenUnits: 16, seed: 3);
        using var generator = TensorAssert.Seeded(3);
        var x = rand(new long[] { 4, 1, 8, 8 }, generator: generator);
        var targets = randint(0, 10, new long[] { 4 }, generator: generator);
        using (PgdAttack.Run(model, x, x, new TargetedCrossEntropy(targets), new AttackSettings(ThreatModel.L2, 1f, 0.2f, 20, RandomStart: true), new long[] { 0, 1, 2, 3 }, 0))
        {
        }
        Assert.False(model.training);
        foreach (var (name, parameter) in model.named_parameters())
        {
            Assert.True(parameter.requires_grad, $"{name} no longer requires grad");
            using var grad = parameter.grad;
            Assert.True(grad is null, $"{name} has a gradient");
        }
    }

    [Fact]
    public void Live_tensor_count_stays_flat_over_thousands_of_iterations_and_returns_to_its_start()
    {
        using var scope = NewDisposeScope();
        var model = new TinyMlp(new ImageShape(1, 4, 4), classes: 5, hiddenUnits: 8, seed: 1);
        var x = full(new long[] { 3, 1, 4, 4 }, 0.5f);
        var targets = tensor(new long[] { 0, 1, 2 });
        var recorder = new RecordingObjective(new TargetedCrossEntropy(targets), recordRepresentations: false);
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var settings = new AttackSettings(ThreatModel.L2, 1f, 0.05f, Steps: 3000, RandomStart: true);
        var result = PgdAttack.Run(model, x, x, recorder, settings, new long[] { 0, 1, 2 }, 0);
        result.Dispose();
        var after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        _output.WriteLine($"live tensors: before {before}, at iteration 10 {recorder.LiveTensors[10]}, at iteration 3000 {recorder.LiveTensors[^2]}, after {after}");
        Assert.Equal(3001, recorder.Calls);
        Assert.Equal(recorder.LiveTensors[10], recorder.LiveTensors[^2]);
        Assert.Equal(recorder.LiveTensors[10], recorder.LiveTensors.Skip(10).SkipLast(1).Max());
        Assert.Equal(before, after);
    }

    [Fact]
    public void Cancellation_stops_the_loop_between_iterations_and_frees_its_tensors()
    {
        using var scope = NewDisposeScope();
        var model = LinearModel.Random(Small, classes: 10, seed: 2);
        var x = full(new long[] { 2, 1, 8, 8 }, 0.5f);
        var targets = tensor(new long[] { 3, 4 });
        using var cts = new CancellationTokenSource();
        var recorder = new RecordingObjective(new TargetedCrossEntropy(targets), call => { if (call == 4) cts.Cancel(); });
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var settings = new AttackSettings(ThreatModel.L2, 1f, 0.1f, Steps: 100);
        Assert.ThrowsAny<OperationCanceledException>(() => PgdAttack.Run(model, x, x, recorder, settings, new long[] { 0, 1 }, 0, cts.Token));
        Assert.Equal(5, recorder.Calls); // the iteration running when cancelled finishes; no further one starts
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Run_neither_modifies_nor_disposes_the_callers_tensors()
    {
        using var scope = NewDisposeScope();
        var model = LinearModel.Random(Small, classes: 10, seed: 6);
        using var generator = TensorAssert.Seeded(6);
        var x = rand(new long[] { 3, 1, 8, 8 }, generator: generator);
        var copy = x.clone();
        var targets = tensor(new long[] { 1, 2, 3 });
        using (PgdAttack.Run(model, x, x, new TargetedCrossEntropy(targets), new AttackSettings(ThreatModel.Linf, 0.1f, 0.02f, 10, RandomStart: true), new long[] { 0, 1, 2 }, 0))
        {
        }
        Assert.False(x.IsInvalid);
        Assert.False(targets.IsInvalid);
        Assert.False(x.requires_grad);
        Assert.Equal(0f, TensorAssert.MaxAbsDiff(x, copy));
    }

    [Fact]
    public void Random_start_of_an_example_depends_only_on_the_seed_and_its_index()
    {
        using var scope = NewDisposeScope();
        var model = LinearModel.Random(Small, classes: 10, seed: 7);
        var targets3 = tensor(new long[] { 0, 0, 0 });
        var settings = new AttackSettings(ThreatModel.L2, 0.3f, 0.1f, Steps: 0, RandomStart: true, KeepBest: false);
        var x3 = full(new long[] { 3, 1, 8, 8 }, 0.5f);
        using var batch = PgdAttack.Run(model, x3, x3, new TargetedCrossEntropy(targets3), settings, new long[] { 3, 17, 42 }, seed: 99);
        var x1 = full(new long[] { 1, 1, 8, 8 }, 0.5f);
        using var alone = PgdAttack.Run(model, x1, x1, new TargetedCrossEntropy(tensor(new long[] { 0 })), settings, new long[] { 42 }, seed: 99);
        using var otherSeed = PgdAttack.Run(model, x1, x1, new TargetedCrossEntropy(tensor(new long[] { 0 })), settings, new long[] { 42 }, seed: 100);

        Assert.Equal(TensorAssert.Floats(batch.Adversarial[2]), TensorAssert.Floats(alone.Adversarial[0]));
        Assert.NotEqual(TensorAssert.Floats(batch.Adversarial[1]), TensorAssert.Floats(batch.Adversarial[2]));
        Assert.NotEqual(TensorAssert.Floats(alone.Adversarial), TensorAssert.Floats(otherSeed.Adversarial));
    }

    [Fact]
    public void Run_refuses_bad_settings_and_mismatched_indices_with_a_clear_message()
    {
        using var scope = NewDisposeScope();
        var model = LinearModel.Random(Small, classes: 10, seed: 7);
        var x = full(new long[] { 2, 1, 8, 8 }, 0.5f);
        var objective = new TargetedCrossEntropy(tensor(new long[] { 0, 1 }));
        var good = new AttackSettings(ThreatModel.L2, 0.5f, 0.1f, 5);
        var wrongCount = Assert.Throws<ArgumentException>(() => PgdAttack.Run(model, x, x, objective, good, new long[] { 0 }, 0));
        Assert.Contains("1 example indices for a batch of 2", wrongCount.Message);
        var noEps = Assert.Throws<ArgumentException>(() => PgdAttack.Run(model, x, x, objective, good with { Eps = 0f }, new long[] { 0, 1 }, 0));
        Assert.Contains("eps", noEps.Message);
        Assert.Throws<ArgumentException>(() => PgdAttack.Run(model, x, x, objective, good with { StepSize = float.NaN }, new long[] { 0, 1 }, 0));
        Assert.Throws<ArgumentException>(() => PgdAttack.Run(model, x, x, objective, good with { Steps = -1 }, new long[] { 0, 1 }, 0));
        // Unbounded L2 ignores eps.
        using (PgdAttack.Run(model, x, x, objective, good with { Norm = ThreatModel.L2Unbounded, Eps = 0f }, new long[] { 0, 1 }, 0))
        {
        }
    }

    private enum Distance { L2, Linf }

    /// <summary>
    /// A 2-class linear model and an interior point x0 of class 0 whose distance to the decision boundary
    /// (in the given norm) is exactly <paramref name="distance"/>; the path to the boundary stays inside [0,1].
    /// </summary>
    private static (LinearModel Model, float[,] W, float[] X0) TwoClassProblem(int seed, float distance, Distance norm)
    {
        var rng = new Random(1000 + seed);
        var w = new float[2, Small.Size];
        for (var k = 0; k < 2; k++)
            for (var j = 0; j < Small.Size; j++)
                w[k, j] = (float)LinearModel.Gaussian(rng);
        var x0 = Enumerable.Range(0, Small.Size).Select(_ => 0.35f + 0.3f * (float)rng.NextDouble()).ToArray();
        var dot = Enumerable.Range(0, Small.Size).Sum(j => (double)(w[1, j] - w[0, j]) * x0[j]);
        var dual = norm == Distance.L2 ? DeltaL2(w) : DeltaL1(w);
        // margin(x) = Δw·x + b1 − b0 with b0 = 0: at x0 it is −distance·dual.
        var b1 = (float)(-dot - distance * dual);
        // The farthest point the tests visit is 1.2·distance along the steepest direction: keep it in the box.
        for (var j = 0; j < Small.Size; j++)
        {
            var delta = w[1, j] - w[0, j];
            var move = norm == Distance.L2 ? 1.2 * distance * Math.Abs(delta) / dual : 1.2 * distance;
            Assert.True(move < 0.35, $"test precondition: pixel {j} would leave [0,1]");
        }
        return (new LinearModel(Small, w, new[] { 0f, b1 }), w, x0);
    }

    private static float DeltaL2(float[,] w) =>
        (float)Math.Sqrt(Enumerable.Range(0, w.GetLength(1)).Sum(j => Math.Pow(w[1, j] - w[0, j], 2)));

    private static float DeltaL1(float[,] w) =>
        (float)Enumerable.Range(0, w.GetLength(1)).Sum(j => Math.Abs(w[1, j] - w[0, j]));

    private static double Dot(double[] a, double[] b) => a.Zip(b, (p, q) => p * q).Sum();
}
