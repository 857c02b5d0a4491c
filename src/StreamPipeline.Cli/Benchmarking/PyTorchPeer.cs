using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using StreamPipeline.Models;
using StreamPipeline.Models.Interop;

namespace StreamPipeline.Cli.Benchmarking;

/// <summary>
/// Phase (d) of bench, with <c>--peer</c>: the same targeted L2 PGD in PyTorch — scripts/pytorch_pgd_bench.py, shipped
/// beside the program, run by Debian's Python (<see cref="Python"/>, package python3-torch) as a child process with the
/// same architecture, weights (bench's checkpoint exported as a state_dict), images, batch, steps, eps, step size and
/// thread count.
/// </summary>
public sealed class PyTorchPeer
{
    /// <summary>Debian's Python, the one with python3-torch (the python3 on PATH may be another without torch).</summary>
    public const string Python = "/usr/bin/python3";

    /// <summary>The architectures the script defines (scripts/torch_models.py) and can run the loop on.</summary>
    public static readonly IReadOnlyList<string> Architectures = [SmallCnn.ArchitectureName, ResNet18.ArchitectureName, ResNet50.ArchitectureName];

    private readonly IReadOnlyList<string> _arguments;

    private PyTorchPeer(IReadOnlyList<string> arguments) => _arguments = arguments;

    public static string ScriptPath => Path.Combine(AppContext.BaseDirectory, "scripts", "pytorch_pgd_bench.py");

    /// <summary>
    /// A peer ready to run, or null with the one-line reason it cannot (no Python, no torch in it, no script, an
    /// architecture the script does not define). Exports the checkpoint to <paramref name="weightsPath"/> once.
    /// </summary>
    public static PyTorchPeer? Prepare(
        string checkpoint, CheckpointInfo info, bool fashionMnistTrain, long images, int batchSize, int steps, double eps, double stepSize, int threads,
        string weightsPath, string? dataRoot, out string? reason)
    {
        reason = Unavailable(info.Architecture);
        if (reason is not null)
            return null;
        PyTorchCheckpoint.Export(checkpoint, weightsPath);
        var arguments = new List<string>
        {
            ScriptPath, "--arch", info.Architecture, "--weights", weightsPath, "--images", Invariant(images), "--batch-size", Invariant(batchSize),
            "--steps", Invariant(steps), "--eps", Invariant(eps), "--step-size", Invariant(stepSize), "--threads", Invariant(threads),
            "--classes", Invariant(info.Classes),
            // Warmed up as bench warms its own phases: one full batch, one step, before the timed loop.
            "--warmup-images", Invariant(Math.Min(images, batchSize)), "--warmup-steps", "1",
        };
        // The script reads Fashion-MNIST itself; any other data is stood in for by seeded random images of the same
        // shape (PGD's cost does not depend on the pixel values: no early stop).
        if (fashionMnistTrain)
        {
            if (dataRoot is not null) arguments.AddRange(["--data-root", dataRoot]);
        }
        else
        {
            arguments.AddRange(["--shape", $"{info.InputShape.Channels},{info.InputShape.Height},{info.InputShape.Width}"]);
        }
        return new PyTorchPeer(arguments);
    }

    /// <summary>Runs the script once and reads its JSON line.</summary>
    public async Task<PeerMeasurement> RunAsync(CancellationToken ct)
    {
        var (code, stdout, stderr) = await RunPythonAsync(_arguments, ct);
        if (code != 0)
            throw new InvalidOperationException($"the PyTorch peer ({Python} {ScriptPath}) exited {code}: {LastLine(stderr)}");
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault()
            ?? throw new InvalidOperationException("the PyTorch peer printed nothing");
        using var json = JsonDocument.Parse(line);
        var r = json.RootElement;
        return new PeerMeasurement(
            r.GetProperty("engine").GetString()!, r.GetProperty("arch").GetString()!, r.GetProperty("data").GetString()!, r.GetProperty("weights").GetString()!,
            r.GetProperty("images").GetInt64(), r.GetProperty("steps").GetInt32(), r.GetProperty("threads").GetInt32(), r.GetProperty("seconds").GetDouble(),
            r.GetProperty("cpu_seconds").GetDouble(), r.GetProperty("img_pgd_steps_per_s").GetDouble(), r.GetProperty("attack_success").GetDouble());
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

    private static async Task<(int Code, string Stdout, string Stderr)> RunPythonAsync(IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Python}");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "no message";

    private static string Invariant(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
}
