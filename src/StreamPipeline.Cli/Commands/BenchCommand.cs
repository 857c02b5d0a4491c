using System.CommandLine;
using StreamPipeline.Bench;
using StreamPipeline.Cli.Presentation;
using StreamPipeline.Data;
using StreamPipeline.Models;

namespace StreamPipeline.Cli.Commands;

/// <summary><c>stream-pipeline bench</c>: PGD throughput of a bare TorchSharp loop against the full build pipeline (and optionally a cluster and PyTorch), on the same model, batches and data.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var json = CommonOptions.Json();
        var model = new Option<string?>("--model")
        {
            Description = $"Checkpoint to attack, or an architecture ({string.Join(", ", ModelFactory.Architectures)}) whose freshly initialised model " +
                          "is attacked (PGD costs the same whatever the weights). Default: a fresh small-cnn.",
        };
        var data = new Option<string?>("--data")
        {
            Description = $"Source dataset reference. Default: {BenchModel.DefaultSmallData} for 1x28x28 models; for 3x32x32 models (resnet18, resnet50) " +
                          "a CIFAR-10-format file of seeded random images made for the run.",
        };
        var limit = new Option<long?>("--limit") { Description = "Images attacked in each phase (the first N). Default: 2048; 64 for the ResNets." };
        var batch = new Option<int?>("--batch-size") { Description = "Examples per device batch. Default: 256; 64 for the ResNets." };
        var shard = new Option<int?>("--shard-size") { Description = "Examples per shard file in the pipeline and cluster phases (default: the job default, 1024)." };
        var steps = new Option<int?>("--steps") { Description = "PGD iterations. Default: 20; 2 for the ResNets." };
        var eps = new Option<double?>("--eps") { Description = "L2 radius of the eps-ball (default: the data's preset, config/presets/)." };
        var stepSize = new Option<double?>("--step-size") { Description = "PGD step size (default: the data's preset)." };
        var devices = CommonOptions.Devices("auto | cpu | cuda:0,cuda:1 | cpu,cpu (one worker, and one bare-loop thread, per entry).");
        var repeat = new Option<int>("--repeat")
        {
            Description = "Rounds; each runs every phase once, odd rounds bare first, even rounds in reverse order. The median and spread over the rounds are reported.",
            DefaultValueFactory = _ => BenchSettings.DefaultRepeat,
        };
        var workers = new Option<int?>("--workers")
        {
            Description = "Add a cluster phase: the same job through a coordinator (build --serve) and N workers (worker --join) on 127.0.0.1 in this " +
                          "process, reported beside the single-process build (target >= 0.90 with 1 worker). Every worker uses the same --threads and " +
                          "shares this machine's cores: on 2 cores more workers cannot add speed.",
        };
        var peer = new Option<bool>("--peer")
        {
            Description = $"Add the PyTorch peer: scripts/pytorch_pgd_bench.py run by {PyTorchPeer.Python} (Debian's python3-torch) with the same " +
                          "architecture, weights (exported), batch, steps, eps, step size and threads, printed beside ours with the ratio; twice a round: " +
                          "as Debian installs it (reference BLAS, no transforms, glibc's malloc) and at its best (OpenBLAS where libopenblas0 is " +
                          "installed, batch-norm folded, channels_last, our heap tunables). Each says which BLAS it loaded.",
        };
        var trainImages = new Option<long?>("--train-images")
        {
            Description = "With --peer: also time training beside PyTorch, train's recipe (one epoch, batch 128, Adam lr 1e-3, cross-entropy) " +
                          "from the same initial weights, ours against PyTorch as Debian installs it and at its best (OpenBLAS, channels_last, our " +
                          "heap tunables), img/s per round. Default: 8,192 images; 256 for the ResNets. 0 skips it.",
        };
        var mode = new Option<BenchMode>("--mode")
        {
            Description = "paired: bare and pipeline at the same time, each in its own process pinned to one CPU with 1 torch thread, the CPUs " +
                          "swapped every second, so a machine that slows down slows both sides alike (needs one CPU device and 2 CPUs; --threads " +
                          "does not apply). sequential: the phases one after the other in this process on every core (--threads applies), the " +
                          "order alternating. auto: paired where it can run (not with --workers, --peer or a GPU), else sequential.",
            DefaultValueFactory = _ => BenchMode.Auto,
        };
        var transforms = new Option<string>("--transforms")
        {
            Description = "How the bare loop and the pipeline prepare the model before attacking it: all (what build, evaluate and transfer do), none, " +
                          "or a comma list of fold-bn (eval-mode batch-norm folded into the convolution) and channels-last (NHWC convolutions). " +
                          "For measuring each lever; the cluster phase always uses all.",
            DefaultValueFactory = _ => InferenceTransforms.AllName,
        };
        var dataRoot = CommonOptions.DataRoot();
        var threads = CommonOptions.Threads();
        var quiet = CommonOptions.Quiet();

        var command = new Command("bench",
            "Measure image-PGD-steps per second of (a) a bare TorchSharp PGD loop on one dedicated thread per device, data in memory, and (b) the " +
            "full build pipeline (Parquet output) on the same model, batches and data (D_det, L2), timed the same way: each device thread is " +
            "warmed up on the same batch, then timed from ready to the last batch done (bare) or the last shard committed (pipeline). Prints " +
            "each round, the median pipeline/bare ratio and its spread, the processor-time ratio for the same work (steadier on a busy machine), " +
            "and per phase GC counts and pause, bytes allocated per image, processor time by thread group and peak RSS. Text on stderr; --json " +
            "prints everything as one object on stdout. Defaults (5 paired rounds of 2,048 images, batch 256, 20 steps) take about 4 minutes on a " +
            "quiet 2-core CPU; other programs running beside it show up in the figures (the load average is printed).")
        {
            json, model, data, limit, batch, shard, steps, eps, stepSize, devices, repeat, mode, workers, peer, trainImages, transforms, dataRoot, threads, quiet,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async token =>
        {
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            var transformsText = parse.GetValue(transforms);
            var chosen = InferenceTransforms.Parse(transformsText)
                ?? throw new UsageException($"--transforms must be all, none, or a comma list of {InferenceTransforms.FoldName} and " +
                                            $"{InferenceTransforms.ChannelsLastName}; got '{InputText.Show(transformsText)}'");
            var settings = new BenchSettings(
                parse.GetValue(model), parse.GetValue(data), parse.GetValue(dataRoot), parse.GetValue(limit), parse.GetValue(batch),
                parse.GetValue(shard), parse.GetValue(steps), parse.GetValue(eps), parse.GetValue(stepSize),
                parse.GetValue(devices)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                parse.GetValue(repeat), parse.GetValue(workers), parse.GetValue(peer), parse.GetValue(mode), chosen, parse.GetValue(trainImages));
            // The rounds and the pipeline's own view are bench's progress; the report below is its summary.
            var report = await BenchRunner.RunAsync(settings, parse.GetValue(quiet), line => Console.Error.WriteLine(line), StderrLogger.Config, token);
            foreach (var line in report.ToText()) Console.Error.WriteLine(line);
            if (parse.GetValue(json)) Console.WriteLine(report.ToJson());
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    /// <summary>The hidden <c>bench-phase</c> command: one side of <c>bench --mode paired</c>, started and driven by bench itself.</summary>
    public static Command CreatePhase()
    {
        var settings = new Option<string>("--settings") { Description = "The bench settings file the parent wrote.", Required = true };
        var phase = new Option<BenchPhase>("--phase") { Description = "bare | pipeline", Required = true };
        var threads = CommonOptions.Threads();
        var command = new Command("bench-phase", "Internal: one side of `bench --mode paired`, driven by bench over stdin/stdout.")
        {
            settings, phase, threads,
        };
        command.Hidden = true;
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async token =>
        {
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            // A failure was reported to the parent on stdout (and in full on stderr): the exit code only says so.
            return await PairedPhaseProcess.RunAsync(parse.GetValue(settings)!, parse.GetValue(phase), StderrLogger.Config, token)
                ? ExitCodes.Success : ExitCodes.JobFailed;
        }, ct));
        return command;
    }
}
