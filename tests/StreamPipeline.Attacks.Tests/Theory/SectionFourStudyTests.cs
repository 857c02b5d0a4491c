using System.Text.Json;
using StreamPipeline.Attacks.Theory;
using Xunit.Abstractions;

namespace StreamPipeline.Attacks.Tests.Theory;

public sealed class SectionFourStudyTests(ITestOutputHelper output) : TorchTest
{
    private static readonly SectionFourSettings Small =
        new([0, 1], Samples: 200, TestSamples: 2000, Seed: 3, FitSteps: 40, LearningRate: 0.05, InverseLambdas: [0.5], PenaltyMultiples: [2], AscentSteps: 50);

    [Fact]
    public void The_study_is_deterministic_for_a_seed_and_robust_learning_buys_robust_accuracy()
    {
        var first = SectionFourStudy.Run(Small);
        var second = SectionFourStudy.Run(Small);

        Assert.Equal(JsonSerializer.Serialize(first), JsonSerializer.Serialize(second));
        foreach (var study in first.Studies)
        {
            output.WriteLine(string.Join("; ", study.Accuracy.Select(a => $"eps {a.Eps}: standard {a.Standard:P1}, robust {a.Robust:P1}, isotropic {a.IsotropicStandard:P1}")));
            Assert.Equal([0, 1], study.Robust.Select(r => r.Eps));
            // Eps 0 is standard ML itself; beyond, the classifier learned at eps is more robust at eps than the standard one.
            Assert.Equal(study.Standard, study.Robust[0].Model);
            Assert.Equal(study.Accuracy[0].Standard, study.Accuracy[0].Robust);
            foreach (var a in study.Accuracy.Skip(1))
                Assert.True(a.Robust > a.Standard + 0.1, $"{study.Setting.Name} eps {a.Eps}: robust {a.Robust} vs standard {a.Standard}");
        }
    }

    [Fact]
    public void Settings_out_of_range_are_refused_with_the_key_named()
    {
        Assert.StartsWith("theory.eps: every eps", Assert.Throws<ArgumentException>(() => SectionFourStudy.Run(Small with { Eps = [0, -1] })).Message);
        Assert.StartsWith("theory.eps lists a radius twice", Assert.Throws<ArgumentException>(() => SectionFourStudy.Run(Small with { Eps = [0.5, 0.5] })).Message);
        Assert.StartsWith("theory.samples must be between", Assert.Throws<ArgumentException>(() => SectionFourStudy.Run(Small with { Samples = 3 })).Message);
        Assert.StartsWith("theory.samples must be between", Assert.Throws<ArgumentException>(() => SectionFourStudy.Run(Small with { Samples = int.MaxValue })).Message);
        Assert.StartsWith("theory.penalty-multiples", Assert.Throws<ArgumentException>(() => SectionFourStudy.Run(Small with { PenaltyMultiples = [1] })).Message);
        Assert.StartsWith("theory.inverse-lambdas", Assert.Throws<ArgumentException>(() => SectionFourStudy.Run(Small with { InverseLambdas = [0] })).Message);
    }
}
