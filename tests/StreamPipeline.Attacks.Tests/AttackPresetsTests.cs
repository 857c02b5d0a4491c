using System.Globalization;

namespace StreamPipeline.Attacks.Tests;

public sealed class AttackPresetsTests
{
    [Fact]
    public void Preset_files_and_csharp_defaults_give_the_same_numbers()
    {
        var kinds = Enum.GetValues<ConstructionKind>();
        foreach (var dataset in AttackPresets.Datasets)
        {
            var values = ReadFlatHocon(Path.Combine(RepositoryRoot(), "config", "presets", dataset + ".conf"));
            foreach (var kind in kinds)
            {
                var prefix = $"presets.{dataset}.{AttackPresets.ConstructionName(kind)}.";
                var expected = AttackPresets.Defaults(dataset, kind);
                var norm = AttackPresets.ParseNorm(values[prefix + "norm"]);
                var fromFile = new AttackSettings(
                    norm,
                    values.TryGetValue(prefix + "eps", out var eps) ? float.Parse(eps, CultureInfo.InvariantCulture) : 0f,
                    float.Parse(values[prefix + "step-size"], CultureInfo.InvariantCulture),
                    int.Parse(values[prefix + "steps"], CultureInfo.InvariantCulture),
                    bool.Parse(values[prefix + "random-start"]),
                    bool.Parse(values[prefix + "keep-best"]),
                    bool.Parse(values[prefix + "targeted"]));
                Assert.Equal(expected, fromFile);
                Assert.Equal(norm == ThreatModel.L2Unbounded, !values.ContainsKey(prefix + "eps"));
                expected.Validate();
            }
            // Nothing in the file that the defaults do not cover.
            var known = kinds.SelectMany(k => new[] { "norm", "eps", "step-size", "steps", "random-start", "keep-best", "targeted" }
                .Select(key => $"presets.{dataset}.{AttackPresets.ConstructionName(k)}.{key}")).ToHashSet();
            Assert.All(values.Keys, key => Assert.Contains(key, known));
        }
    }

    [Fact]
    public void Defaults_match_the_papers_cifar10_parameters()
    {
        Assert.Equal(new AttackSettings(ThreatModel.L2, 0.5f, 0.1f, 100), AttackPresets.Defaults("cifar10", ConstructionKind.Det));
        Assert.Equal(new AttackSettings(ThreatModel.L2Unbounded, 0f, 0.1f, 1000), AttackPresets.Defaults("cifar10", ConstructionKind.Robust));
    }

    [Fact]
    public void Defaults_refuse_an_unknown_dataset_naming_it()
    {
        var error = Assert.Throws<ArgumentException>(() => AttackPresets.Defaults("mnist", ConstructionKind.Det));
        Assert.Contains("'mnist'", error.Message);
    }

    [Fact]
    public void Norm_names_round_trip_and_unknown_names_are_refused()
    {
        foreach (var norm in Enum.GetValues<ThreatModel>())
            Assert.Equal(norm, AttackPresets.ParseNorm(AttackPresets.NormName(norm)));
        Assert.Equal(ThreatModel.Linf, AttackPresets.ParseNorm(" LINF "));
        Assert.Throws<ArgumentException>(() => AttackPresets.ParseNorm("l1"));
    }

    /// <summary>
    /// The preset files are kept to one `key = value` per line inside `name {` … `}` blocks, so this tiny reader
    /// suffices (Attacks does not reference a HOCON library). Returns full dotted paths.
    /// </summary>
    private static Dictionary<string, string> ReadFlatHocon(string path)
    {
        var values = new Dictionary<string, string>();
        var stack = new Stack<string>();
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Split('#')[0].Trim();
            if (line.Length == 0)
                continue;
            if (line.EndsWith('{'))
                stack.Push(line.TrimEnd('{').Trim());
            else if (line == "}")
                stack.Pop();
            else
            {
                var parts = line.Split('=', 2);
                Assert.True(parts.Length == 2, $"{path}: not a key = value line: '{raw}'");
                var key = string.Join('.', stack.Reverse().Append(parts[0].Trim()));
                Assert.True(values.TryAdd(key, parts[1].Trim()), $"{path}: {key} set twice");
            }
        }
        Assert.Empty(stack);
        return values;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "StreamPipeline.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"no StreamPipeline.sln above {AppContext.BaseDirectory}");
    }
}
