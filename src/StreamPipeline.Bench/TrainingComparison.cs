using System.Globalization;
using System.Text.Json.Nodes;
using StreamPipeline.Models;

namespace StreamPipeline.Bench;

/// <summary>The training comparison's rounds, medians and ratios, as text lines and as JSON (bench's <c>training</c>).</summary>
public sealed record TrainingComparison(long Images, TrainingSettings Recipe, IReadOnlyList<TrainingRound> Rounds)
{
    public const string Ours = "ours";
    public const string PyTorch = "pytorch";
    public const string PyTorchBest = "pytorch-best";

    /// <summary>Who ran, in the report's order.</summary>
    public IReadOnlyList<string> Runners => [.. new[] { Ours, PyTorch, PyTorchBest }.Where(w => Rounds.Any(r => r.Runs.ContainsKey(w)))];

    public Spread Rate(string who) => Spread.Of(Rounds.Select(r => r.Runs.TryGetValue(who, out var m) ? m.ImagesPerSecond : double.NaN));

    public Spread CpuRate(string who) => Spread.Of(Rounds.Select(r => r.Runs.TryGetValue(who, out var m) ? m.ImagesPerCpuSecond : double.NaN));

    /// <summary>Ours over <paramref name="who"/>, the median of the rounds' ratios.</summary>
    public Spread OursTo(string who) => Spread.Of(Rounds.Select(r => r.OursTo(who) ?? double.NaN));

    private TrainingMeasurement First(string who) => Rounds.Select(r => r.Runs.GetValueOrDefault(who)).OfType<TrainingMeasurement>().First();

    public IEnumerable<string> ToText()
    {
        var threads = First(Ours).Threads;
        yield return $"  training   {Images:N0} images, 1 epoch, batch {Recipe.BatchSize}, Adam lr {Recipe.LearningRate.ToString("G", CultureInfo.InvariantCulture)}, " +
                     $"{threads} thread(s), timed from the first step; ours is `stream-pipeline train` (a fresh seed-0 model: bench's own when it made a fresh one, " +
                     $"which PyTorch loads); img/s median (spread) over {Rounds.Count} round(s), and per processor-second:";
        foreach (var who in Runners)
        {
            var m = First(who);
            var rate = Rate(who);
            var line = $"  {Label(who),-9}  {rate.Median,8:N0} ({rate.Min:N0}-{rate.Max:N0}) img/s, {CpuRate(who).Median:N0} per cpu-s; {m.Engine}, {m.Blas}, " +
                       $"transforms {m.Levers}, glibc malloc {(m.GlibcTunables.Length == 0 ? "default" : "tuned")}; final loss {m.Loss:F3}";
            if (who != Ours)
            {
                var ratio = OursTo(who);
                line += $"; ours/{Label(who)} {ratio.Median:F2} ({ratio.Min:F2}-{ratio.Max:F2})";
            }
            yield return line;
        }
    }

    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["images"] = Images,
            ["epochs"] = 1,
            ["batch_size"] = Recipe.BatchSize,
            ["optimizer"] = Recipe.Optimizer.ToString(),
            ["learning_rate"] = Recipe.LearningRate,
            ["rounds"] = Rounds.Count,
        };
        foreach (var who in Runners)
        {
            var m = First(who);
            var entry = new JsonObject
            {
                ["engine"] = m.Engine,
                ["threads"] = m.Threads,
                ["blas"] = m.Blas,
                ["transforms"] = m.Levers,
                ["glibc_tunables"] = m.GlibcTunables,
                ["img_per_s"] = Round(Rate(who).Median, 1),
                ["img_per_s_min"] = Round(Rate(who).Min, 1),
                ["img_per_s_max"] = Round(Rate(who).Max, 1),
                ["img_per_cpu_s"] = Round(CpuRate(who).Median, 1),
                ["per_round"] = new JsonArray([.. Rounds.Select(r => r.Runs.TryGetValue(who, out var x) ? (JsonNode?)Round(x.ImagesPerSecond, 1) : null)]),
            };
            if (who != Ours)
                entry["ours_to_this"] = Round(OursTo(who).Median, 4);
            json[who] = entry;
        }
        return json;
    }

    private static string Label(string who) => who switch
    {
        Ours => "ours",
        PyTorch => "PyTorch",
        _ => "PyTorch+",
    };

    private static double? Round(double value, int digits) => double.IsFinite(value) ? Math.Round(value, digits) : null;
}
