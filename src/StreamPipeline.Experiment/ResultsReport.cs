using System.Globalization;
using System.Text;
using StreamPipeline.Application.Inspection;

namespace StreamPipeline.Experiment;

/// <summary>
/// OUTDIR/results.md, results.csv and results-transfer.csv. results.md opens with the figures (robustness curves,
/// transfer, example grids), each captioned with how many images and which attack produced it, then the tables.
/// </summary>
internal sealed class ResultsReport(ExperimentRunner runner, ExperimentSpec spec, string outDir)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The paper's Figure 3 claim, stated beside our correlation.</summary>
    public const string PaperTrend =
        "the paper (CIFAR-10, five architectures, source ResNet-50) finds a positive relation: the better an architecture learns " +
        "from D_det, the more often the source's adversarial examples transfer to it";

    public void Write(PaperFigures figures, IReadOnlyDictionary<ConstructionKind, InspectResult> grids, IReadOnlyDictionary<string, double> steps,
        TheoryStudy.Figure theory)
    {
        var evals = ExperimentRunner.Rows.ToDictionary(r => r.Name, r => ExperimentEvaluation.Read(runner.EvaluationPath(r.Name)));
        var attack = spec.EvaluationAttack;
        var attackText = $"{Names.Norm.Of(attack.Norm)} eps {Number(attack.Eps)} PGD-{attack.Steps} (step {attack.Step()})";
        var examples = evals.Values.First().Examples;

        var md = new StringBuilder();
        md.AppendLine($"# Experiment: {spec.Name}{(spec.Quick ? " (quick)" : "")}");
        md.AppendLine();
        md.AppendLine($"The paper's pipeline (Ilyas et al. 2019) on {spec.TrainData}: a standard and a robust {spec.Architecture}, the four " +
                      "constructed datasets, a fresh model trained on each, every model evaluated on the **original** test set; then transfer " +
                      "across architectures (Figure 3) and robust accuracy across eps (Figure 2, right). Chance is 10%.");
        md.AppendLine();
        WriteFigures(md, figures, grids);
        md.AppendLine("## Accuracy on the original test set");
        md.AppendLine();
        md.AppendLine($"A fresh {spec.Architecture} trained on each training set, evaluated on the original test set " +
                      $"({spec.TestData}, {examples:N0} images): standard accuracy, and robust accuracy under untargeted {attackText}.");
        md.AppendLine();
        md.AppendLine("| training set | built from | accuracy (95% CI) | robust accuracy (95% CI) | authors, CIFAR-10: accuracy | robust, L2 eps 0.25 |");
        md.AppendLine("|---|---|---:|---:|---:|---:|");
        var csv = new StringBuilder("training_set,built_from,accuracy,robust_accuracy,examples,authors_cifar10_accuracy,authors_cifar10_robust_accuracy\n");
        foreach (var row in ExperimentRunner.Rows)
        {
            var e = evals[row.Name];
            var robust = e.RobustAccuracy ?? double.NaN;
            var a = row.Authors;
            md.AppendLine($"| {row.Label} | {row.Source} | {WithInterval(e.Accuracy, e.Examples)} | {WithInterval(robust, e.Examples)} | " +
                          $"{a.Accuracy} [{a.AccuracySource}] | {a.RobustAccuracy} [{a.RobustSource}] |");
            csv.AppendLine(string.Join(',', row.Name, '"' + row.Source + '"', e.Accuracy.ToString("F4", Inv), robust.ToString("F4", Inv),
                e.Examples.ToString(Inv), a.Accuracy, a.RobustAccuracy));
        }
        md.AppendLine();
        md.AppendLine("The authors' figures are CIFAR-10 with ResNet-50 (this table's own dataset and model differ: compare the pattern, not the " +
                      "numbers). Sources:");
        md.AppendLine();
        foreach (var (key, citation) in AuthorsFigure.Citations)
            md.AppendLine($"- [{key}] {citation}");
        md.AppendLine();
        WriteTransferTable(md, figures.Transfer);
        TheoryReport.Append(md, theory, Link);
        WriteSettings(md);
        md.AppendLine("## Wall time per step (seconds)");
        md.AppendLine();
        md.AppendLine("| step | seconds |");
        md.AppendLine("|---|---:|");
        foreach (var (step, seconds) in steps) md.AppendLine($"| {step} | {seconds.ToString("F1", Inv)} |");

        ExperimentRunner.WriteText(Path.Combine(outDir, "results.md"), md.ToString());
        ExperimentRunner.WriteText(Path.Combine(outDir, "results.csv"), csv.ToString());
        ExperimentRunner.WriteText(Path.Combine(outDir, "results-transfer.csv"), TransferCsv(figures.Transfer));
        runner.Views.Say(md.ToString());
    }

    private void WriteFigures(StringBuilder md, PaperFigures figures, IReadOnlyDictionary<ConstructionKind, InspectResult> grids)
    {
        var curves = figures.Robustness;
        var a = curves.Attack;
        md.AppendLine($"![Robust accuracy vs eps, one line per training set]({Link(figures.RobustnessFiles.Png)})");
        md.AppendLine();
        md.AppendLine($"**Robust accuracy vs eps (the paper's Figure 2, right, as a curve).** The {spec.Architecture} of each training set on the " +
                      $"first {curves.Examples:N0} images of {spec.TestData}, under untargeted {Names.Norm.Of(a.Norm)} PGD-{a.Steps} " +
                      $"(step {Number(a.StepSize / a.Eps)}·eps{(a.RandomStart ? ", random start" : "")}, each example's strongest iterate) at eps " +
                      $"{string.Join(", ", spec.RobustnessCurve.Eps.Select(Number))}; eps 0 is the clean accuracy. " +
                      $"Points: [{Link(figures.RobustnessFiles.Csv)}]({Link(figures.RobustnessFiles.Csv)}).");
        md.AppendLine();

        var t = figures.Transfer;
        var det = t.Attack;
        var detImages = t.Rows.Select(r => r.DetExamples).Distinct().ToList();
        md.AppendLine($"![Transfer success vs accuracy after training on D_det, one point per architecture]({Link(figures.TransferFiles.Png)})");
        md.AppendLine();
        md.AppendLine($"**Transfer vs learning from D_det (the paper's Figure 3).** x: accuracy on the first {string.Join("/", detImages.Select(n => n.ToString("N0", Inv)))} " +
                      $"images of {spec.TestData} of each architecture trained on D_det ({grids[ConstructionKind.Det].Inspection.Stats.Rows:N0} images). " +
                      $"y: of the first {t.Result.Examples:N0} images of {spec.TestData}, attacked on the standard {spec.Architecture} (source) with " +
                      $"D_det's targeted {Names.Norm.Of(det.Norm)} PGD (eps {Number(det.Eps)}, {det.Steps} steps of {Number(det.StepSize)}) toward (y+1) mod C, " +
                      $"the share that a standard model of that architecture (trained on D with seed {spec.Transfer.TargetSeed}; the source has seed {spec.Seed}) " +
                      $"classifies as the target. The source itself is fooled on {Percent(t.Result.SourceSuccess)}. {CorrelationText(t)}; {PaperTrend}. " +
                      $"Points: [{Link(figures.TransferFiles.Csv)}]({Link(figures.TransferFiles.Csv)}).");
        md.AppendLine();

        md.AppendLine("**Constructed examples.** D_det and D_rand: per row the source image, the constructed image and their difference " +
                      $"(×{new GridSettings().DiffGain.ToString("0.##", Inv)} around grey), with source class → label trained on. D_R and D_NR: the start " +
                      "image x0 the construction began from, the constructed image, the source image whose label it carries and whose representation " +
                      "it was pushed toward, and the difference from x0 — a D_NR image still looks like x0 yet is labelled as the source; a D_R " +
                      "image comes to look like the source. Each grid's legend says what its numbers are.");
        md.AppendLine();
        foreach (var kind in new[] { ConstructionKind.Det, ConstructionKind.Rand, ConstructionKind.NonRobust, ConstructionKind.Robust })
        {
            var grid = grids[kind];
            var job = spec.Builds[kind].Job;
            var model = kind == ConstructionKind.Robust ? "robust" : "standard";
            var how = kind.IsRepresentationMatching()
                ? $"representation matching on the {model} model from another training image, {Names.Norm.Of(job.Attack.Norm)} ({job.Attack.Steps} steps of {Number(job.Attack.StepSize)})"
                : $"targeted {Names.Norm.Of(job.Attack.Norm)} PGD on the {model} model (eps {Number(job.Attack.Eps)}, {job.Attack.Steps} steps of {Number(job.Attack.StepSize)}) toward " +
                  (kind == ConstructionKind.Det ? "(y+1) mod C" : "a random class");
            var rows = grid.Grid?.Rows.Count ?? 0;
            var success = grid.Inspection.Stats.AttackSuccessRate is { } s ? $"; attack success {Percent(s)} over the dataset" : "";
            md.AppendLine($"![{Names.Paper(kind)} examples]({Link(Path.Combine(outDir, Grids.RelativePath(kind)))})");
            md.AppendLine();
            md.AppendLine($"*{Names.Paper(kind)}: {rows} of its {grid.Inspection.Stats.Rows:N0} images, {how}{success}.*");
            md.AppendLine();
        }
    }

    private static void WriteTransferTable(StringBuilder md, TransferStudy.Figure t)
    {
        md.AppendLine("## Transfer across architectures");
        md.AppendLine();
        md.AppendLine("| architecture | accuracy after training on D_det | transfer success | transfer success where the source was fooled | target's clean accuracy |");
        md.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var row in t.Rows)
            md.AppendLine($"| {row.Target.Architecture} | {Percent(row.DetAccuracy)} | {Percent(row.Target.TransferSuccess)} | " +
                          $"{Percent(row.Target.TransferSuccessWhereSourceFooled)} | {Percent(row.Target.CleanAccuracy)} |");
        md.AppendLine();
        md.AppendLine($"{CorrelationText(t)} over {t.Rows.Count} architectures; {PaperTrend}.");
        md.AppendLine();
    }

    private void WriteSettings(StringBuilder md)
    {
        md.AppendLine("## Settings");
        md.AppendLine();
        var standard = spec.Standard.Import is { } si ? $"standard imported from {si.File} ({si.Architecture})" : $"standard {spec.Standard.Epochs} epochs";
        var robust = spec.Robust.Import is { } ri
            ? $"robust imported from {ri.File} ({ri.Architecture})"
            : $"robust {spec.Robust.Epochs} epochs of {Names.Norm.Of(spec.RobustAdversary.Norm)} PGD training " +
              $"(eps {Number(spec.RobustAdversary.Eps)}, {spec.RobustAdversary.Steps} steps of {Number(spec.RobustAdversary.StepSize)})";
        md.AppendLine($"- source models: {spec.TrainData} ({(spec.TrainImages is { } t ? t.ToString("N0", Inv) + " images" : "all images")}), " +
                      $"{standard}; {robust}; Adam, batch {spec.BatchSize}, seed {spec.Seed}");
        foreach (var kind in new[] { ConstructionKind.Det, ConstructionKind.Rand, ConstructionKind.NonRobust, ConstructionKind.Robust })
        {
            var b = spec.Builds[kind];
            var images = b.Images is { } n ? $"first {n:N0}" : "all";
            var eps = b.Job.Attack.Norm == ThreatModel.L2Unbounded ? "no eps bound" : $"eps {Number(b.Job.Attack.Eps)}";
            md.AppendLine($"- {Names.Paper(kind)}: {images} training images, {Names.Norm.Of(b.Job.Attack.Norm)} {eps}, {b.Job.Attack.Steps} steps of {Number(b.Job.Attack.StepSize)}");
        }
        md.AppendLine($"- retraining: {spec.Retrain.Epochs} epochs, Adam lr {Number(spec.Retrain.LearningRate)}");
        md.AppendLine($"- transfer: architectures {string.Join(", ", spec.Transfer.Architectures)}; each trained on D_det with the retraining recipe (seed {spec.Seed}) " +
                      $"and on D with the standard recipe (seed {spec.Transfer.TargetSeed})");
        md.AppendLine();
    }

    private static string TransferCsv(TransferStudy.Figure t)
    {
        var csv = new StringBuilder("architecture,det_model,det_accuracy,det_examples,target_model,transfer_success,transfer_success_where_source_fooled,target_clean_accuracy,transfer_examples\n");
        foreach (var row in t.Rows)
            csv.AppendLine(string.Join(',', row.Target.Architecture, row.DetModel, Number(row.DetAccuracy), row.DetExamples.ToString(Inv), row.Target.Model,
                Number(row.Target.TransferSuccess), Number(row.Target.TransferSuccessWhereSourceFooled), Number(row.Target.CleanAccuracy),
                t.Result.Examples.ToString(Inv)));
        return csv.ToString();
    }

    private static string CorrelationText(TransferStudy.Figure t) =>
        double.IsNaN(t.Correlation)
            ? "Pearson r is undefined (it needs two or more points that vary)"
            : $"Pearson r = {t.Correlation.ToString("0.00", Inv)} between accuracy after training on D_det and transfer success";

    // Markdown links use forward slashes, whatever the platform's separator.
    /// <summary>A link relative to results.md: a file written at <paramref name="path"/> (as given, relative to the working directory or absolute).</summary>
    private string Link(string path) => Path.GetRelativePath(Path.GetFullPath(outDir), Path.GetFullPath(path)).Replace('\\', '/');

    private static string Number(double value) => value.ToString("0.####", Inv);

    private static string Percent(double value) => double.IsNaN(value) ? "—" : (100 * value).ToString("F1", Inv) + "%";

    /// <summary>An accuracy with its 95% Wilson interval over <paramref name="n"/> images.</summary>
    private static string WithInterval(double value, long n)
    {
        if (double.IsNaN(value) || n < 1)
            return Percent(value);
        var (low, high) = Reporting.WilsonInterval.Of(value, n);
        return $"{Percent(value)} ({(100 * low).ToString("F1", Inv)}–{(100 * high).ToString("F1", Inv)})";
    }
}
