using Akka.Configuration;
using System.Globalization;
using System.Text.Json;

namespace StreamPipeline.Bench;

/// <summary>
/// One side of <c>bench --mode paired</c>, run as its own process (the hidden <c>bench-phase</c> command) by
/// <see cref="PairedBench"/>. It prepares the same <see cref="BenchWorkload"/> as the parent from the settings file, runs
/// its phase once untimed (first-time costs), starts a <see cref="Filler"/> and says <c>ready</c>. Then, for each
/// <c>run ROUND</c> on stdin: pauses the filler, runs the timed phase (the parent pins its threads; the pipeline says
/// <c>open</c> the moment its window opens), answers <c>result JSON</c> and resumes the filler; <c>exit</c> or the end of
/// stdin ends it. Protocol lines go to stdout; everything else to stderr.
/// </summary>
public static class PairedPhaseProcess
{
    public const string Ready = "ready";
    public const string Open = "open";
    public const string Result = "result";
    public const string Failed = "error";
    public const string Run = "run";
    public const string Exit = "exit";

    public static readonly JsonSerializerOptions Json = new();

    /// <summary>What one timed phase answers: the measurement, whether the peak RSS was reset for it, and each thread's CPU list at its end.</summary>
    public sealed record PhaseResult(PhaseMeasurement Measurement, bool PeakRssReset, IReadOnlyList<string> ThreadCpus);

    public static async Task<bool> RunAsync(string settingsFile, BenchPhase phase, Config akka, CancellationToken ct)
    {
        if (phase is not (BenchPhase.Bare or BenchPhase.Pipeline))
            throw new ArgumentException($"bench-phase runs bare or pipeline, not {phase}");
        try
        {
            var settings = JsonSerializer.Deserialize<BenchSettings>(await File.ReadAllTextAsync(settingsFile, ct), Json)
                           ?? throw new InvalidDataException($"{settingsFile}: no settings");
            var root = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(settingsFile))!, phase.ToString().ToLowerInvariant());
            Directory.CreateDirectory(root);
            using var workload = BenchWorkload.Prepare(settings, settings.Devices, root);
            var devices = workload.Spec.Devices;

            // Untimed: the .NET code compiled and every first-call cost paid before round 1. Two small (filler-sized) batches
            // with the job's full step count, so that code run per PGD step or per row has been called often enough to be
            // recompiled optimised (.NET tiers a method up after 30 calls) here rather than on a background thread inside round 1.
            var small = workload.Filler.Source.Count;
            var warmupJob = settings.ToJobSpec(workload.Model.Path, workload.Model.Data, devices, 2 * small, small, workload.Spec.Attack.Steps);
            if (phase == BenchPhase.Pipeline)
                await PipelineBenchmark.RunAsync(warmupJob, Path.Combine(root, "warmup"), settings.DataRoot, workload.Warmup, settings.ModelTransforms, Log, akka, ct);
            else
                BarePgdLoop.Run(workload.Model.Verified, workload.Construction, devices, null, [workload.Filler, workload.Filler], workload.Warmup, settings.ModelTransforms, ct);

            using var filler = new Filler(workload.Model.Verified, workload.Construction, workload.Filler, settings.ModelTransforms);
            filler.Resume();
            Say(Ready);
            while (await Console.In.ReadLineAsync(ct) is { } line)
            {
                var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (words is [Exit]) break;
                if (words is not [Run, var roundText] || !int.TryParse(roundText, CultureInfo.InvariantCulture, out var round))
                    throw new InvalidDataException($"bench-phase: unknown command '{line}'");

                filler.Pause();
                var reset = BenchRunner.StartPhase(out var rss);
                PhaseMeasurement measured;
                if (phase == BenchPhase.Bare)
                {
                    measured = BarePgdLoop.Run(workload.Model.Verified, workload.Construction, devices, null, workload.Batches, workload.Warmup, settings.ModelTransforms, ct);
                }
                else
                {
                    var jobDir = Path.Combine(root, $"job-{round}");
                    measured = await PipelineBenchmark.RunAsync(workload.Spec, jobDir, settings.DataRoot, workload.Warmup, settings.ModelTransforms, Log, akka, ct,
                        opened: () => Say(Open));
                    BenchRunner.TryDelete(jobDir);
                }
                measured = measured with { StartRssBytes = rss, PeakRssBytes = PeakRss.ReadBytes() };
                var threads = CpuAffinity.ThreadMasks();
                Say(Result + " " + JsonSerializer.Serialize(new PhaseResult(measured, reset, threads), Json));
                filler.Resume();
            }
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The parent reports this line as the failure of the whole bench.
            Say(Failed + " " + e.Message.ReplaceLineEndings(" "));
            Console.Error.WriteLine(e);
            return false;
        }
    }

    private static void Say(string line)
    {
        // Console.Out is synchronised: the pipeline's "open" comes from a device worker's thread.
        Console.Out.WriteLine(line);
        Console.Out.Flush();
    }

    private static void Log(string line) => Console.Error.WriteLine(line);
}
