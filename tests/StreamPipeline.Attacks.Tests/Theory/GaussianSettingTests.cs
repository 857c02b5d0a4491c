using StreamPipeline.Attacks.Theory;

namespace StreamPipeline.Attacks.Tests.Theory;

public sealed class GaussianSettingTests : TorchTest
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Maximum_likelihood_of_a_large_sample_recovers_the_mean_and_covariance_it_was_drawn_from(int settingIndex)
    {
        var setting = SectionFourStudy.Settings[settingIndex];
        var sample = setting.Sample(40_000, seed: 7);

        var ml = MaximumLikelihood.Fit(sample);

        // Standard errors at n = 40,000: the mean ~ sqrt(tr Σ*/n) ≲ 0.012 (‖μ*‖ ≥ 0.85); eigenvalues ~ sqrt(2/n) = 0.7%.
        var meanError = Distance(ml.Mean, setting.Mean) / Norm(setting.Mean);
        Assert.True(meanError < 0.03, $"{setting.Name}: ‖μ − μ*‖/‖μ*‖ = {meanError:F4}");
        var learned = ml.Eigen();
        var truth = new GaussianModel(setting.Mean, setting.Covariance).Eigen();
        for (var k = 0; k < setting.Dimension; k++)
            Assert.InRange(learned.Values[k] / truth.Values[k], 0.96, 1.04);
        Assert.InRange(learned.LargestAngleTo(truth), 0, 5);
    }

    [Fact]
    public void Maximum_likelihood_is_the_mean_of_y_x_and_the_covariance_of_the_residual_and_no_nearby_model_fits_better()
    {
        var sample = SectionFourStudy.Plane.Sample(500, seed: 3);
        var ml = MaximumLikelihood.Fit(sample);

        var d = sample.Dimension;
        var mean = Enumerable.Range(0, d).Select(i => Enumerable.Range(0, sample.Count).Average(n => sample.Labels[n] * sample.Features[n * d + i])).ToArray();
        Assert.Equal(mean, ml.Mean, (a, b) => Math.Abs(a - b) < 1e-12);
        var best = ml.Losses(sample).Average();
        foreach (var (dm, ds) in new[] { (0.02, 0.0), (-0.02, 0.0), (0.0, 0.02), (0.0, -0.02) })
        {
            var nearby = new GaussianModel(
                ml.Mean.Select(v => v + dm).ToArray(),
                ml.Covariance.Select((row, i) => row.Select((v, j) => i == j ? v * (1 + ds) : v).ToArray()).ToArray());
            Assert.True(nearby.Losses(sample).Average() > best, $"a model moved by ({dm}, {ds}) fits better than ML");
        }
    }

    [Fact]
    public void The_same_seed_draws_the_same_sample_and_another_seed_another()
    {
        var a = SectionFourStudy.Spread.Sample(100, seed: 5);
        var b = SectionFourStudy.Spread.Sample(100, seed: 5);
        var c = SectionFourStudy.Spread.Sample(100, seed: 6);

        Assert.Equal(a.Features, b.Features);
        Assert.Equal(a.Labels, b.Labels);
        Assert.NotEqual(a.Features, c.Features);
        Assert.All(a.Labels, y => Assert.True(y is 1 or -1));
        Assert.InRange(a.Labels.Count(y => y > 0), 30, 70);
    }

    [Fact]
    public void The_isotropic_control_keeps_the_mean_and_the_trace()
    {
        var setting = SectionFourStudy.Spread;
        var control = setting.IsotropicControl("control");

        Assert.Equal(setting.Mean, control.Mean);
        var trace = Enumerable.Range(0, setting.Dimension).Sum(i => setting.Covariance[i][i]);
        var values = new GaussianModel(control.Mean, control.Covariance).Eigen().Values;
        Assert.All(values, v => Assert.Equal(trace / setting.Dimension, v, 1e-12));
    }

    internal static double Norm(IReadOnlyList<double> v) => Math.Sqrt(v.Sum(x => x * x));

    internal static double Distance(IReadOnlyList<double> a, IReadOnlyList<double> b) => Math.Sqrt(a.Select((x, i) => (x - b[i]) * (x - b[i])).Sum());
}
