using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using StreamPipeline.Models;
using StreamPipeline.Models.Interop;

namespace StreamPipeline.Bench;

/// <summary>
/// Phase (d) of bench, with <c>--peer</c>: the same targeted L2 PGD in PyTorch — scripts/pytorch_pgd_bench.py, shipped
/// beside the program, run by Debian's Python (<see cref="Python"/>, package python3-torch) as a child process with the
/// same architecture, weights (bench's checkpoint exported as a state_dict), images, batch, steps, eps, step size and
/// thread count. Two setups (<see cref="Variant"/>): as Debian installs it (<see cref="BenchPhase.Peer"/>: the reference
/// BLAS, whatever update-alternatives selects, named by its directory; glibc's own malloc) and at its best
/// (<see cref="BenchPhase.PeerBest"/>: OpenBLAS where a libopenblas0 package is installed, batch-norm folded,
/// channels_last, ReLUs and residual adds in place as ours runs them, this program's glibc heap tunables). Debian's
/// torch links libblas.so.3, so the BLAS is chosen per run with LD_LIBRARY_PATH and the script reports the library it
/// actually loaded.
/// </summary>
public sealed class PyTorchPeer
{
    /// <summary>Debian's reference BLAS (package libblas3).</summary>
    public const string ReferenceBlasDirectory = "/usr/lib/x86_64-linux-gnu/blas";

    /// <summary>
    /// Debian's reference LAPACK (package liblapack3). Chosen with the reference BLAS: numpy links liblapack.so.3, and where
    /// update-alternatives makes that OpenBLAS's LAPACK, it maps libopenblas (with its own sgemm) into the "reference" run.
    /// </summary>
    public const string ReferenceLapackDirectory = "/usr/lib/x86_64-linux-gnu/lapack";

    /// <summary>Debian's OpenBLAS builds (libopenblas0-pthread, -openmp, -serial), in order of preference.</summary>
    public static readonly IReadOnlyList<string> OpenBlasDirectories =
        ["/usr/lib/x86_64-linux-gnu/openblas-pthread", "/usr/lib/x86_64-linux-gnu/openblas-openmp", "/usr/lib/x86_64-linux-gnu/openblas-serial"];

    /// <summary>The phase this peer runs as: <see cref="BenchPhase.Peer"/> or <see cref="BenchPhase.PeerBest"/>.</summary>
    public BenchPhase Variant { get; }

    private readonly IReadOnlyDictionary<string, string?> _environment;

    /// <summary>Debian's Python, the one with python3-torch (the python3 on PATH may be another without torch).</summary>
    public const string Python = "/usr/bin/python3";

    /// <summary>The architectures the script defines (scripts/torch_models.py) and can run the loop on.</summary>
    public static readonly IReadOnlyList<string> Architectures = [SmallCnn.ArchitectureName, ResNet.Cifar18, ResNet.Cifar50];

    private readonly IReadOnlyList<string> _arguments;

    private PyTorchPeer(BenchPhase variant, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        Variant = variant;
        _arguments = arguments;
        _environment = environment;
    }

    public static string ScriptPath => Path.Combine(AppContext.BaseDirectory, "scripts", "pytorch_pgd_bench.py");

    /// <summary>
    /// The two peers ready to run (as Debian installs it, then at its best), or empty with the one-line reason they cannot
    /// (no Python, no torch in it, no script, an architecture the script does not define). Exports the checkpoint to
    /// <paramref name="weightsPath"/> once.
    /// </summary>
    public static IReadOnlyList<PyTorchPeer> Prepare(
        string checkpoint, CheckpointInfo info, bool fashionMnistTrain, long images, int batchSize, int steps, double eps, double stepSize, int threads,
        string weightsPath, string? dataRoot, out string? reason)
    {
        reason = Unavailable(info.Architecture);
        if (reason is not null)
            return [];
        PyTorchCheckpoint.Export(checkpoint, weightsPath);
        var arguments = new List<string>
        {
            ScriptPath, "--arch", info.Architecture, "--weights", weightsPath, "--images", Invariant(images), "--batch-size", Invariant(batchSize),
            "--steps", Invariant(steps), "--eps", Invariant(eps), "--step-size", Invariant(stepSize), "--threads", Invariant(threads),
            "--classes", Invariant(info.Classes),
            // Warmed up as bench warms its own phases: one full batch, one step, before the timed loop.
            "--warmup-images", Invariant(Math.Min(images, batchSize)), "--warmup-steps", "1",
        };
        // PGD's cost does not depend on the pixel values (no early stop), so random images stand in for other data.
        arguments.AddRange(DataArguments(info, fashionMnistTrain, dataRoot));
        var (debian, best) = Environments(threads);
        return
        [
            new PyTorchPeer(BenchPhase.Peer, arguments, debian),
            new PyTorchPeer(BenchPhase.PeerBest, [.. arguments, "--fold-bn", "--channels-last", "--inplace"], best),
        ];
    }

    /// <summary>
    /// The two peers of bench's training comparison (as Debian installs it, then at its best: OpenBLAS, channels_last,
    /// in-place ReLUs and adds, our heap tunables; no folding, which is for eval mode): the script with <c>--train</c>, one epoch of
    /// <paramref name="images"/> with <paramref name="recipe"/>'s batch and learning rate, from the checkpoint's weights
    /// (exported to <paramref name="weightsPath"/> unless already there). Empty with the reason when they cannot run.
    /// </summary>
    public static IReadOnlyList<PyTorchPeer> PrepareTraining(
        string checkpoint, CheckpointInfo info, bool fashionMnistTrain, long images, TrainingSettings recipe, int threads, string weightsPath,
        string? dataRoot, out string? reason)
    {
        reason = Unavailable(info.Architecture);
        if (reason is not null)
            return [];
        if (recipe.Optimizer != OptimizerKind.Adam || recipe.WeightDecay != 0)
            throw new ArgumentException("the PyTorch peer trains with Adam and no weight decay, as train's default recipe");
        if (!File.Exists(weightsPath))
            PyTorchCheckpoint.Export(checkpoint, weightsPath);
        var arguments = new List<string>
        {
            ScriptPath, "--train", "--arch", info.Architecture, "--weights", weightsPath, "--images", Invariant(images),
            "--batch-size", Invariant(recipe.BatchSize), "--lr", Invariant(recipe.LearningRate), "--threads", Invariant(threads),
            "--classes", Invariant(info.Classes), "--seed", Invariant(recipe.Seed),
        };
        arguments.AddRange(DataArguments(info, fashionMnistTrain, dataRoot));
        var (debian, best) = Environments(threads);
        return
        [
            new PyTorchPeer(BenchPhase.Peer, arguments, debian),
            new PyTorchPeer(BenchPhase.PeerBest, [.. arguments, "--channels-last", "--inplace"], best),
        ];
    }

    /// <summary>The script reads Fashion-MNIST itself; other data is stood in for by seeded random images of the same shape.</summary>
    private static IEnumerable<string> DataArguments(CheckpointInfo info, bool fashionMnistTrain, string? dataRoot)
    {
        if (fashionMnistTrain)
            return dataRoot is null ? [] : ["--data-root", dataRoot];
        return ["--shape", $"{info.InputShape.Channels},{info.InputShape.Height},{info.InputShape.Width}"];
    }

    /// <summary>
    /// The environment of each setup: as Debian installs it (the reference BLAS where libblas3 is installed, glibc's own
    /// malloc: this process's tunables removed) and at its best (OpenBLAS where installed, one BLAS thread per torch
    /// thread, our tunables).
    /// </summary>
    private static (Dictionary<string, string?> Debian, Dictionary<string, string?> Best) Environments(int threads)
    {
        var referenceDirectories = new[] { ReferenceBlasDirectory, ReferenceLapackDirectory }.Where(Directory.Exists).ToArray();
        var reference = referenceDirectories.Length > 0 ? string.Join(':', referenceDirectories) : null;
        var openBlas = OpenBlasDirectories.FirstOrDefault(dir => File.Exists(Path.Combine(dir, "libblas.so.3")));
        var debian = new Dictionary<string, string?>
        {
            ["LD_LIBRARY_PATH"] = reference,
            [NativeHeap.TunablesVariable] = null,
        };
        var best = new Dictionary<string, string?>
        {
            ["LD_LIBRARY_PATH"] = openBlas ?? reference,
            ["OPENBLAS_NUM_THREADS"] = Invariant(threads),
            [NativeHeap.TunablesVariable] = NativeHeap.Tunables,
        };
        return (debian, best);
    }

    /// <summary>Runs the script once and reads its JSON line.</summary>
    public async Task<PeerMeasurement> RunAsync(CancellationToken ct)
    {
        using var json = await RunJsonAsync(ct);
        var r = json.RootElement;
        return new PeerMeasurement(
            r.GetProperty("engine").GetString()!, r.GetProperty("arch").GetString()!, r.GetProperty("data").GetString()!, r.GetProperty("weights").GetString()!,
            r.GetProperty("images").GetInt64(), r.GetProperty("steps").GetInt32(), r.GetProperty("threads").GetInt32(), r.GetProperty("seconds").GetDouble(),
            r.GetProperty("cpu_seconds").GetDouble(), r.GetProperty("img_pgd_steps_per_s").GetDouble(), r.GetProperty("attack_success").GetDouble())
        {
            Blas = r.GetProperty("blas").GetString()!,
            Levers = r.GetProperty("levers").GetString()!,
            GlibcTunables = r.GetProperty("glibc_tunables").GetString()!,
        };
    }

    /// <summary>Runs the script with <c>--train</c> once and reads its JSON line.</summary>
    public async Task<TrainingMeasurement> RunTrainingAsync(CancellationToken ct)
    {
        using var json = await RunJsonAsync(ct);
        var r = json.RootElement;
        if (!r.TryGetProperty("task", out var task) || task.GetString() != "train")
            throw new InvalidOperationException("the PyTorch peer did not report a training run");
        return new TrainingMeasurement(
            r.GetProperty("engine").GetString()!, r.GetProperty("images").GetInt64(), r.GetProperty("threads").GetInt32(), r.GetProperty("seconds").GetDouble(),
            r.GetProperty("cpu_seconds").GetDouble(), r.GetProperty("loss").GetDouble(), r.GetProperty("accuracy").GetDouble())
        {
            Blas = r.GetProperty("blas").GetString()!,
            Levers = r.GetProperty("levers").GetString()!,
            GlibcTunables = r.GetProperty("glibc_tunables").GetString()!,
        };
    }

    private async Task<JsonDocument> RunJsonAsync(CancellationToken ct)
    {
        var (code, stdout, stderr) = await RunPythonAsync(_arguments, ct, _environment);
        if (code != 0)
            throw new InvalidOperationException($"the PyTorch peer ({Python} {ScriptPath}) exited {code}: {LastLine(stderr)}");
        var line = ChildProcess.LastLine(stdout) ?? throw new InvalidOperationException("the PyTorch peer printed nothing");
        return JsonDocument.Parse(line);
    }

    private static string? Unavailable(string architecture)
    {
        if (!Architectures.Contains(architecture))
            return $"the PyTorch peer script defines {string.Join(", ", Architectures)}, not {architecture}";
        if (!File.Exists(ScriptPath))
            return $"the PyTorch peer script is missing ({ScriptPath})";
        if (!File.Exists(Python))
            return $"{Python} is missing (Debian: apt-get install python3-torch)";
        var (code, _, stderr) = RunPythonAsync(["-c", "import torch"], CancellationToken.None).GetAwaiter().GetResult();
        return code == 0 ? null : $"{Python} cannot import torch ({LastLine(stderr)}); Debian: apt-get install python3-torch";
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunPythonAsync(
        IReadOnlyList<string> arguments, CancellationToken ct, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(Python);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // Null removes a variable (this process's heap tunables must not reach the peer as Debian installs it).
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }
        return await ChildProcess.RunAsync(start, ct);
    }

    private static string LastLine(string text) => ChildProcess.LastLine(text) ?? "no message";

    private static string Invariant(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
}
