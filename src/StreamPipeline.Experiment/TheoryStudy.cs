using System.Text.Json;
using StreamPipeline.Attacks.Theory;
using StreamPipeline.Experiment.Reporting;
using TorchSharp;

namespace StreamPipeline.Experiment;

/// <summary>
/// Section 4 of the paper as an experiment step ("theory"): <see cref="SectionFourStudy"/> with the spec's theory
/// settings into evals/theory.json, skipped when that file holds the same settings. The figure (plots/theory.png and
/// its CSV) is redrawn from that file on every run, as the other figures are.
/// </summary>
internal sealed class TheoryStudy(ExperimentRunner runner, ExperimentSpec spec, string outDir)
{
    internal static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public string ResultPath => runner.EvaluationPath("theory");

    public void Run(CancellationToken ct)
    {
        if (Read(ResultPath) is { } done && SameSettings(done.Configuration, spec.Theory))
        {
            runner.Views.Say("experiment: theory (Section 4) done, skipped");
            return;
        }
        // The study's tensors are tiny (N×d, d ≤ 8): extra intra-op threads only add synchronisation. Measured on the 2-core
        // machine under load: 6 s on one thread, 230 s on libtorch's default. One thread for this step, the count restored.
        var threads = torch.get_num_threads();
        torch.set_num_threads(1);
        try
        {
            runner.RunStep("theory", () =>
            {
                var result = SectionFourStudy.Run(spec.Theory, ct);
                ExperimentRunner.WriteText(ResultPath, JsonSerializer.Serialize(result, Json));
            });
        }
        finally
        {
            torch.set_num_threads(threads);
        }
    }

    /// <summary>The study's result and its figure (2-D setting), drawn into plots/theory.png and plots/theory.csv.</summary>
    public Figure WriteFigure()
    {
        var result = Read(ResultPath) ?? throw new InvalidDataException($"{ResultPath}: no theory result");
        var plane = result.Studies.FirstOrDefault(s => s.Setting.Dimension == 2)
                    ?? throw new InvalidDataException($"{ResultPath}: no 2-D setting to draw");
        var files = TheoryFigure.Write(Path.Combine(outDir, PaperFigures.Folder, "theory.png"), TheoryFigure.Ellipses(plane));
        return new Figure(result, files);
    }

    /// <summary>The result of evals/theory.json, or null when there is none (or one of an older layout: run again).</summary>
    public static SectionFourResult? Read(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<SectionFourResult>(File.ReadAllText(path), Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // The settings hold lists (compared by reference in a record): compare what they serialise to.
    private static bool SameSettings(SectionFourSettings a, SectionFourSettings b) =>
        JsonSerializer.Serialize(a, Json) == JsonSerializer.Serialize(b, Json);

    internal sealed record Figure(SectionFourResult Result, PlotFiles Files);
}
