using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Pipeline.Tests.Specs;

/// <summary>Presets are read from config/presets/*.conf (the one place their numbers live) by the strict loader.</summary>
public sealed class AttackPresetsTests
{
    [Fact]
    public void Every_preset_file_gives_a_valid_attack_for_every_construction()
    {
        // One presets file per dataset the program knows by name, and no other.
        Assert.Equal(StreamPipeline.Data.KnownDatasets.All.Select(d => d.Name).Order(), AttackPresets.Datasets.Order());
        foreach (var dataset in AttackPresets.Datasets)
        {
            var presets = AttackPresets.For(dataset);
            Assert.Equal(Enum.GetValues<ConstructionKind>(), presets.Keys.Order());
            foreach (var (kind, attack) in presets)
            {
                attack.Validate();
                Assert.True(attack.Targeted && attack.KeepBest);
                Assert.Equal(kind.IsRepresentationMatching(), attack.Norm == ThreatModel.L2Unbounded);
            }
        }
    }

    [Fact]
    public void Presets_match_the_papers_cifar10_parameters()
    {
        Assert.Equal(new AttackSettings(ThreatModel.L2, 0.5, 0.1, 100), AttackPresets.For("cifar10")[ConstructionKind.Det]);
        Assert.Equal(new AttackSettings(ThreatModel.L2Unbounded, 0, 0.1, 1000), AttackPresets.For("cifar10")[ConstructionKind.Robust]);
        Assert.Equal(new AttackSettings(ThreatModel.L2, 4.0, 0.3, 60), AttackPresets.ForReference("fashion-mnist:train", ConstructionKind.Rand));
        Assert.Null(AttackPresets.ForReference("idx:a,b", ConstructionKind.Det));
    }

    [Fact]
    public void An_unknown_dataset_is_refused_naming_it()
    {
        var error = Assert.Throws<ArgumentException>(() => AttackPresets.For("mnist"));
        Assert.Contains("'mnist'", error.Message);
    }

    [Fact]
    public void A_preset_with_a_misspelt_key_is_refused_naming_the_file_and_key()
    {
        const string text = "presets { x { det { norm = l2, eps = 1, step-size = 0.1, step = 10, random-start = false, keep-best = true, targeted = true } } }";

        var error = Assert.Throws<ArgumentException>(() => AttackPresets.Parse(text, "config/presets/x.conf", "x"));

        Assert.Contains("config/presets/x.conf", error.Message);
        Assert.Contains("unknown setting 'presets.x.det.step'", error.Message);
    }
}
