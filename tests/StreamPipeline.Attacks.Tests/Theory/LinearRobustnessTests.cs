using StreamPipeline.Attacks.Theory;

namespace StreamPipeline.Attacks.Tests.Theory;

public sealed class LinearRobustnessTests : TorchTest
{
    [Fact]
    public void Measured_robust_accuracy_of_a_linear_classifier_matches_the_normal_formula()
    {
        var setting = SectionFourStudy.Plane;
        var test = setting.Sample(50_000, seed: 41);
        var w = new GaussianModel(setting.Mean, setting.Covariance).Weights();
        foreach (var eps in new[] { 0.0, 0.1, 0.25, 0.5 })
        {
            var measured = LinearRobustness.Accuracy(w, test, eps);
            var expected = LinearRobustness.Expected(w, setting, eps);
            // Binomial standard error at n = 50,000 is at most 0.0023.
            Assert.InRange(measured, expected - 0.01, expected + 0.01);
        }
        Assert.Equal(0.5, LinearRobustness.Expected([1, 0], SectionFourStudy.Plane with { Mean = [0, 0] }, 0), 12);
    }

    [Fact]
    public void No_perturbation_in_the_ball_flips_an_example_the_worst_case_leaves_right()
    {
        // The worst case −eps·y·w/‖w‖ is exact for a linear classifier: random directions never do better.
        var setting = SectionFourStudy.Plane;
        var test = setting.Sample(300, seed: 42);
        var w = new GaussianModel(setting.Mean, setting.Covariance).Weights();
        const double eps = 0.3;
        var norm = Math.Sqrt(w[0] * w[0] + w[1] * w[1]);
        var random = new Random(1);
        for (var n = 0; n < test.Count; n++)
        {
            var margin = test.Labels[n] * (w[0] * test.Features[2 * n] + w[1] * test.Features[2 * n + 1]);
            if (margin <= eps * norm) continue;
            for (var k = 0; k < 200; k++)
            {
                var a = 2 * Math.PI * random.NextDouble();
                var moved = margin + test.Labels[n] * eps * (w[0] * Math.Cos(a) + w[1] * Math.Sin(a));
                Assert.True(moved > 0, $"example {n} flipped by a perturbation of norm {eps}");
            }
        }
    }
}
