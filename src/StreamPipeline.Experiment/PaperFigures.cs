using StreamPipeline.Experiment.Reporting;

namespace StreamPipeline.Experiment;

/// <summary>
/// The experiment's two figures in OUTDIR/plots, each a PNG and the CSV it was drawn from: robustness.png (Figure 2,
/// right) and transfer.png (Figure 3). Redrawn on every run from the evaluations on disk, as the report is rewritten.
/// </summary>
internal sealed record PaperFigures(
    TransferStudy.Figure Transfer, PlotFiles TransferFiles, RobustnessStudy.Figure Robustness, PlotFiles RobustnessFiles)
{
    public const string Folder = "plots";

    /// <param name="classes">Classes of the test set: the plots' chance level is 1/classes.</param>
    public static PaperFigures Write(string outDir, TransferStudy.Figure transfer, RobustnessStudy.Figure robustness, int classes)
    {
        var robustnessFiles = RobustnessCurves.Write(Path.Combine(outDir, Folder, "robustness.png"), robustness.Points, robustness.Attack, classes);
        var transferFiles = TransferPlot.Write(Path.Combine(outDir, Folder, "transfer.png"), transfer.Points,
            $"the {transfer.Result.SourceArchitecture} {transfer.Result.Source} model", transfer.Attack, classes);
        return new PaperFigures(transfer, transferFiles, robustness, robustnessFiles);
    }
}
