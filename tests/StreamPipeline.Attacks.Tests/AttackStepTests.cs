using static TorchSharp.torch;

namespace StreamPipeline.Attacks.Tests;

public sealed class AttackStepTests : TorchTest
{
    private const float Tolerance = 1e-5f;
    private static readonly long[] Shape = { 6, 3, 5, 5 };

    [Theory]
    [InlineData(ThreatModel.L2, 0.5f, 0.2f)]
    [InlineData(ThreatModel.L2, 2.0f, 0.7f)]
    [InlineData(ThreatModel.Linf, 0.03f, 0.01f)]
    [InlineData(ThreatModel.Linf, 0.3f, 0.2f)]
    public void Projection_keeps_perturbation_within_eps_and_pixels_in_the_unit_box_after_every_step(ThreatModel norm, float eps, float stepSize)
    {
        var step = AttackSteps.Create(norm, eps, stepSize);
        for (var seed = 0; seed < 40; seed++)
        {
            using var scope = NewDisposeScope();
            using var generator = TensorAssert.Seeded(seed);
            var origin = rand(Shape, generator: generator);
            // Some pixels pinned to the box edges, where clamping and the ball interact.
            origin = where(origin < 0.1f, zeros_like(origin), where(origin > 0.9f, ones_like(origin), origin));
            var noise = randn(Shape, generator: generator);
            var x = step.RandomStart(origin, origin, noise);
            AssertInside(norm, eps, x, origin);
            for (var i = 0; i < 25; i++)
            {
                // Gradients of very different scales per example, as real losses give.
                var grad = randn(Shape, generator: generator) * exp(randn(new long[] { Shape[0], 1, 1, 1 }, generator: generator) * 5f);
                x = step.Project(step.Step(x, grad), origin);
                AssertInside(norm, eps, x, origin);
            }
        }
    }

    [Theory]
    [InlineData(ThreatModel.L2, 0.5f)]
    [InlineData(ThreatModel.Linf, 0.05f)]
    public void Projection_leaves_points_inside_the_ball_and_box_unchanged_and_is_idempotent(ThreatModel norm, float eps)
    {
        var step = AttackSteps.Create(norm, eps, eps / 4);
        for (var seed = 0; seed < 20; seed++)
        {
            using var scope = NewDisposeScope();
            using var generator = TensorAssert.Seeded(200 + seed);
            var origin = rand(Shape, generator: generator) * 0.8f + 0.1f;
            // Scaled to at most half of eps in the threat model's own norm, so inside both ball and box.
            var direction = randn(Shape, generator: generator);
            var size = norm == ThreatModel.L2
                ? linalg.vector_norm(direction.flatten(1), 2, new long[] { 1 }).view(Shape[0], 1, 1, 1)
                : direction.flatten(1).abs().amax(new long[] { 1 }).view(Shape[0], 1, 1, 1);
            var inside = origin + direction / size * (eps * 0.5f) * rand(new long[] { Shape[0], 1, 1, 1 }, generator: generator);
            Assert.True(TensorAssert.MaxAbsDiff(step.Project(inside, origin), inside) < 1e-6f);

            var far = origin + randn(Shape, generator: generator) * 5;
            var once = step.Project(far, origin);
            Assert.True(TensorAssert.MaxAbsDiff(step.Project(once, origin), once) < 1e-6f);
        }
    }

    [Fact]
    public void UnboundedL2Step_projection_only_clamps_to_the_unit_box()
    {
        using var scope = NewDisposeScope();
        using var generator = TensorAssert.Seeded(3);
        var step = AttackSteps.Create(ThreatModel.L2Unbounded, 0f, 0.5f);
        var origin = rand(Shape, generator: generator);
        var x = randn(Shape, generator: generator) * 3;
        var projected = step.Project(x, origin);
        Assert.Equal(0f, TensorAssert.MaxAbsDiff(projected, x.clamp(0f, 1f)));
        var inside = rand(Shape, generator: generator);
        Assert.Equal(0f, TensorAssert.MaxAbsDiff(step.Project(inside, origin), inside));
    }

    [Theory]
    [InlineData(ThreatModel.L2, 0.1f)]
    [InlineData(ThreatModel.L2, 0.37f)]
    [InlineData(ThreatModel.L2Unbounded, 0.1f)]
    public void Normalized_L2_step_has_length_exactly_step_size_per_example_before_projection(ThreatModel norm, float stepSize)
    {
        var step = AttackSteps.Create(norm, 1f, stepSize);
        for (var seed = 0; seed < 20; seed++)
        {
            using var scope = NewDisposeScope();
            using var generator = TensorAssert.Seeded(100 + seed);
            var x = rand(Shape, generator: generator);
            var grad = randn(Shape, generator: generator) * exp(randn(new long[] { Shape[0], 1, 1, 1 }, generator: generator) * 5f);
            var moved = step.Step(x, grad);
            foreach (var length in TensorAssert.L2PerExample(moved - x))
                Assert.InRange(length, stepSize * (1 - 1e-4f), stepSize * (1 + 1e-4f));
            // And it points along the gradient.
            var cosine = (moved - x).flatten(1).mul(grad.flatten(1)).sum(1) / (linalg.vector_norm(grad.flatten(1), 2, new long[] { 1 }) * stepSize);
            Assert.True(TensorAssert.Min(cosine) > 1 - 1e-4f);
        }
    }

    [Fact]
    public void L2_step_with_a_zero_gradient_stays_put_instead_of_producing_nan()
    {
        using var scope = NewDisposeScope();
        var step = AttackSteps.Create(ThreatModel.L2, 1f, 0.1f);
        var x = full(Shape, 0.5f);
        var moved = step.Step(x, zeros(Shape));
        Assert.Equal(0f, TensorAssert.MaxAbsDiff(moved, x));
    }

    [Fact]
    public void Linf_step_is_step_size_times_the_gradient_sign()
    {
        using var scope = NewDisposeScope();
        using var generator = TensorAssert.Seeded(5);
        var step = AttackSteps.Create(ThreatModel.Linf, 1f, 0.03f);
        var x = rand(Shape, generator: generator);
        var grad = randn(Shape, generator: generator);
        grad[0, 0, 0, 0] = tensor(0f); // sign(0) = 0: no move in that pixel
        var moved = step.Step(x, grad);
        Assert.True(TensorAssert.MaxAbsDiff(moved - x, grad.sign() * 0.03f) < 1e-7f);
        Assert.Equal(0f, (moved - x)[0, 0, 0, 0].item<float>());
    }

    [Fact]
    public void L2_random_start_lies_on_the_eps_sphere_around_an_interior_origin()
    {
        using var scope = NewDisposeScope();
        using var generator = TensorAssert.Seeded(9);
        var step = AttackSteps.Create(ThreatModel.L2, 0.2f, 0.1f);
        var origin = rand(Shape, generator: generator) * 0.4f + 0.3f; // far enough from 0 and 1 that clamping never binds
        var start = step.RandomStart(origin, origin, randn(Shape, generator: generator));
        foreach (var distance in TensorAssert.L2PerExample(start - origin))
            Assert.InRange(distance, 0.2f - Tolerance, 0.2f + Tolerance);
    }

    [Fact]
    public void Linf_random_start_fills_the_eps_box_uniformly()
    {
        using var scope = NewDisposeScope();
        using var generator = TensorAssert.Seeded(11);
        var step = AttackSteps.Create(ThreatModel.Linf, 0.1f, 0.01f);
        var shape = new long[] { 50, 3, 8, 8 };
        var origin = full(shape, 0.5f);
        var delta = TensorAssert.Floats(step.RandomStart(origin, origin, randn(shape, generator: generator)) - origin);
        Assert.All(delta, d => Assert.InRange(d, -0.1f, 0.1f));
        // Uniform on [-0.1, 0.1]: mean 0, variance 0.01/3, a tenth of the values in each tenth of the box.
        Assert.InRange(delta.Average(), -0.002, 0.002);
        Assert.InRange(delta.Select(d => (double)d * d).Average(), 0.01 / 3 * 0.95, 0.01 / 3 * 1.05);
        var inFirstTenth = delta.Count(d => d < -0.08f) / (double)delta.Length;
        Assert.InRange(inFirstTenth, 0.09, 0.11);
    }

    [Fact]
    public void AttackSteps_creates_the_step_object_of_each_threat_model()
    {
        Assert.IsType<L2Step>(AttackSteps.Create(ThreatModel.L2, 0.5f, 0.1f));
        Assert.IsType<LinfStep>(AttackSteps.Create(ThreatModel.Linf, 0.5f, 0.1f));
        Assert.IsType<UnboundedL2Step>(AttackSteps.Create(ThreatModel.L2Unbounded, 0f, 0.1f));
        foreach (var norm in Enum.GetValues<ThreatModel>())
            Assert.Equal(norm, AttackSteps.Create(norm, 0.5f, 0.1f).Norm);
        Assert.Throws<ArgumentOutOfRangeException>(() => AttackSteps.Create((ThreatModel)42, 0.5f, 0.1f));
    }

    private static void AssertInside(ThreatModel norm, float eps, Tensor x, Tensor origin)
    {
        Assert.True(TensorAssert.Min(x) >= 0f, "pixel below 0");
        Assert.True(TensorAssert.Max(x) <= 1f, "pixel above 1");
        using var delta = x - origin;
        var distances = norm == ThreatModel.L2 ? TensorAssert.L2PerExample(delta) : TensorAssert.LinfPerExample(delta);
        Assert.All(distances, d => Assert.True(d <= eps * (1 + 1e-5f) + 1e-7f, $"{norm} distance {d} > eps {eps}"));
    }
}
