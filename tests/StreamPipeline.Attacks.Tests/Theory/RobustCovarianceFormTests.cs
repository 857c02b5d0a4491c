using StreamPipeline.Attacks.Theory;
using Xunit.Abstractions;

namespace StreamPipeline.Attacks.Tests.Theory;

/// <summary>Theorem 2: the robust covariance is ½Σ* + (1/λ)I + sqrt((1/λ)Σ* + ¼Σ*²) and the robust mean is the mean.</summary>
public sealed class RobustCovarianceFormTests(ITestOutputHelper output) : TorchTest
{
    private static readonly RobustFitSettings Fit = new(Steps: 150, LearningRate: 0.05, InnerStart.Previous);

    [Fact]
    public void The_form_minimises_the_per_direction_robust_loss_of_the_lagrangian_adversary()
    {
        // Per eigendirection: E[max_δ ℓ − (λ/2)δ²] = ½σ*λ/(λσ − 1) + ½ log σ for σ > 1/λ.
        static double Loss(double sigmaStar, double lambda, double sigma) => 0.5 * sigmaStar * lambda / (lambda * sigma - 1) + 0.5 * Math.Log(sigma);
        foreach (var sigmaStar in new[] { 0.02, 0.3, 1, 5 })
            foreach (var t in new[] { 0.01, 0.2, 1, 4 })
            {
                var best = RobustCovarianceForm.Eigenvalue(sigmaStar, t);
                Assert.True(best > t, "the form lies above 1/λ, where the adversary's gain is finite");
                foreach (var factor in new[] { 0.99, 0.999, 1.001, 1.01 })
                    Assert.True(Loss(sigmaStar, 1 / t, best * factor) > Loss(sigmaStar, 1 / t, best), $"σ* {sigmaStar}, 1/λ {t}: σ·{factor} is better");
            }
        Assert.Equal(0.7, RobustCovarianceForm.Eigenvalue(0.7, 0), 15);
    }

    [Fact]
    public void Fitting_the_form_recovers_the_inverse_lambda_that_made_the_eigenvalues()
    {
        double[] data = [0.02, 0.1, 0.5, 2];
        foreach (var t in new[] { 0.0, 0.003, 0.1, 0.8, 3 })
        {
            var (fitted, error) = RobustCovarianceForm.Fit(data, data.Select(s => RobustCovarianceForm.Eigenvalue(s, t)).ToArray());
            Assert.Equal(t, fitted, 1e-6 * Math.Max(1, t));
            Assert.True(error < 1e-8, $"1/λ {t}: residual {error:E2}");
        }
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    public void Robust_learning_against_the_lagrangian_adversary_gives_theorem_2s_eigenvalues_within_2_percent(double inverseLambda)
    {
        var sample = SectionFourStudy.Spread.Sample(600, seed: 21);
        var ml = MaximumLikelihood.Fit(sample);
        var start = new GaussianModel(new double[8], Inflate(ml.Covariance, inverseLambda));

        var fit = RobustMaximumLikelihood.Fit(sample, new L2PenaltyAdversary(1 / inverseLambda, steps: 10), start, Fit);

        var learned = fit.Model.Eigen();
        var data = ml.Eigen();
        var form = data.Values.Select(s => RobustCovarianceForm.Eigenvalue(s, inverseLambda)).ToArray();
        output.WriteLine($"1/λ {inverseLambda}: learned [{string.Join(", ", learned.Values.Select(v => v.ToString("F4")))}], " +
                         $"form [{string.Join(", ", form.Select(v => v.ToString("F4")))}]; angle {learned.LargestAngleTo(data):F3}°");
        for (var k = 0; k < 8; k++)
            Assert.InRange(learned.Values[k] / form[k], 0.98, 1.02);
        // The same eigenvectors as the data's covariance, and the robust mean is the sample's mean (started from 0).
        Assert.InRange(learned.LargestAngleTo(data), 0, 1);
        Assert.True(GaussianSettingTests.Distance(fit.Model.Mean, ml.Mean) < 0.01 * GaussianSettingTests.Norm(ml.Mean));
    }

    [Fact]
    public void Robust_learning_in_the_eps_ball_follows_the_form_with_one_lambda_that_grows_with_eps_and_blends_toward_the_identity()
    {
        var setting = SectionFourStudy.Spread;
        var sample = setting.Sample(600, seed: 22);
        var ml = MaximumLikelihood.Fit(sample);
        var data = ml.Eigen();
        var previous = (InverseLambda: 0.0, Condition: data.ConditionNumber);
        foreach (var eps in new[] { 0.25, 0.5, 1.0 })
        {
            var fit = RobustMaximumLikelihood.Fit(sample, new L2BallAdversary(eps, steps: 5, stepSize: 10 * eps),
                new GaussianModel(new double[8], Inflate(ml.Covariance, eps * eps)), Fit with { Start = InnerStart.BestOfBoth });

            var learned = fit.Model.Eigen();
            var (t, error) = RobustCovarianceForm.Fit(data.Values, learned.Values);
            var meanError = GaussianSettingTests.Distance(fit.Model.Mean, setting.Mean) / GaussianSettingTests.Norm(setting.Mean);
            var sampleMeanError = GaussianSettingTests.Distance(ml.Mean, setting.Mean) / GaussianSettingTests.Norm(setting.Mean);
            output.WriteLine($"eps {eps}: 1/λ {t:F4}, largest relative misfit {error:P2}, κ {learned.ConditionNumber:F2}, " +
                             $"mean error {meanError:P2} (sample's {sampleMeanError:P2}), angle to Ŝ {learned.LargestAngleTo(data):F2}°");
            // One λ explains every eigenvalue within 3% (the per-example multipliers of the ball differ, so not exactly).
            Assert.True(error < 0.03, $"eps {eps}: the best single-λ form misses an eigenvalue by {error:P2}");
            Assert.True(t > previous.InverseLambda, $"eps {eps}: 1/λ {t} did not grow from {previous.InverseLambda}");
            Assert.True(learned.ConditionNumber < previous.Condition, $"eps {eps}: κ {learned.ConditionNumber} did not fall from {previous.Condition}");
            // The mean stays put: within 1% of ‖μ*‖ of the sample's own mean (Theorem 2: the robust mean is the true mean).
            Assert.True(GaussianSettingTests.Distance(fit.Model.Mean, ml.Mean) < 0.01 * GaussianSettingTests.Norm(setting.Mean), $"eps {eps}: mean moved");
            Assert.InRange(learned.LargestAngleTo(data), 0, 3);
            previous = (t, learned.ConditionNumber);
        }
    }

    private static double[][] Inflate(double[][] m, double amount) => m.Select((row, i) => row.Select((v, j) => i == j ? v + amount : v).ToArray()).ToArray();
}
