using Akka.Configuration;
using StreamPipeline.Data;
using StreamPipeline.Configuration;

namespace StreamPipeline.Pipeline.Specs;

/// <summary>
/// Attack settings per dataset and construction, read from config/presets/&lt;dataset&gt;.conf (embedded): the files are
/// the one place the numbers live. A job given by flags takes the preset of its dataset for what the flags leave out.
/// </summary>
public static class AttackPresets
{
    private const string Kind = "attack preset";
    private static readonly Dictionary<string, IReadOnlyDictionary<ConstructionKind, AttackSettings>> Cache = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();

    /// <summary>Dataset names with presets (the reference scheme, e.g. <c>fashion-mnist</c>, <c>cifar10</c>).</summary>
    public static IReadOnlyList<string> Datasets => EmbeddedDefaults.PresetDatasets;

    /// <summary>The preset of <paramref name="kind"/> for the dataset of <paramref name="dataReference"/>, or null when it has none.</summary>
    public static AttackSettings? ForReference(string dataReference, ConstructionKind kind)
    {
        var colon = dataReference.IndexOf(':');
        var dataset = colon < 0 ? dataReference : dataReference[..colon];
        return Datasets.Contains(dataset) ? For(dataset)[kind] : null;
    }

    /// <summary>Every construction's preset for <paramref name="dataset"/>.</summary>
    public static IReadOnlyDictionary<ConstructionKind, AttackSettings> For(string dataset)
    {
        lock (Gate)
        {
            if (Cache.TryGetValue(dataset, out var cached))
                return cached;
            var text = EmbeddedDefaults.PresetText(dataset)
                       ?? throw new ArgumentException($"no attack presets for dataset '{InputText.Show(dataset)}' (known: {string.Join(", ", Datasets)})");
            var presets = Parse(text, $"config/presets/{dataset}.conf", dataset);
            Cache[dataset] = presets;
            return presets;
        }
    }

    /// <summary>Reads a presets file: <c>presets.DATASET.CONSTRUCTION { norm, eps, step-size, steps, random-start, keep-best, targeted }</c>.</summary>
    public static IReadOnlyDictionary<ConstructionKind, AttackSettings> Parse(string text, string source, string dataset)
    {
        var known = new List<string> { "presets", $"presets.{dataset}" };
        foreach (var name in Names.Construction.All)
            known.AddRange(new[] { "", ".norm", ".eps", ".step-size", ".steps", ".random-start", ".keep-best", ".targeted" }
                .Select(key => $"presets.{dataset}.{name}{key}"));
        var spec = SpecConfig.Over(SpecConfig.ParseText(text, source, Kind), Config.Empty, source, Kind, known);
        var presets = new Dictionary<ConstructionKind, AttackSettings>();
        foreach (var kind in Enum.GetValues<ConstructionKind>())
        {
            var at = $"presets.{dataset}.{Names.Construction.Of(kind)}";
            var norm = spec.Get(at + ".norm", Names.Norm.Parse);
            var settings = new AttackSettings(
                norm,
                norm == ThreatModel.L2Unbounded && !spec.Has(at + ".eps") ? 0 : spec.Double(at + ".eps"),
                spec.Double(at + ".step-size"),
                spec.Int(at + ".steps"),
                spec.Bool(at + ".random-start"),
                spec.Bool(at + ".keep-best"),
                spec.Bool(at + ".targeted"));
            try
            {
                presets[kind] = settings.Validate();
            }
            catch (ArgumentException e)
            {
                throw spec.Error($"{at}: {e.Message}");
            }
        }
        return presets;
    }
}
