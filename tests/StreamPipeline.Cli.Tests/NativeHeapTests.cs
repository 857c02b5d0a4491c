using System.Diagnostics;
using System.Text.RegularExpressions;
using StreamPipeline.Models;

namespace StreamPipeline.Cli.Tests;

/// <summary>
/// The CLI's glibc malloc settings reach glibc (mallopt accepts each), the opt-out leaves glibc alone, and — the effect —
/// steady-state PGD steps take no page faults even when their buffers are larger than glibc's largest mmap threshold
/// (32 MiB): the minor faults a real build takes for each extra batch, counted by the kernel (<c>/usr/bin/time</c>).
/// </summary>
public sealed class NativeHeapTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    // small-cnn on 1×128×128 in batches of 20: its first activations are 20×32×128×128 floats = 42 MB, above 32 MiB.
    private const int Side = 128;
    private const int Batch = 20;
    private const int Steps = 2;
    private const string Time = "/usr/bin/time";

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Glibc_takes_every_setting_on_linux()
    {
        Assert.True(OperatingSystem.IsLinux(), "these tests run on Linux (glibc)");
        Assert.True(NativeHeap.Tune(setting: null));
    }

    [Fact]
    public void Default_keeps_glibcs_own_settings()
    {
        Assert.False(NativeHeap.Tune("default"));
    }

    [Fact]
    public void The_program_runs_itself_again_with_the_tunables_under_its_own_name()
    {
        // A command that keeps running: a worker waiting for a coordinator that is not there.
        var info = CliProcess.StartInfo(_dir.Path, "worker", "--join", "127.0.0.1:1");
        info.Environment.Remove(NativeHeap.TunablesVariable);
        using var process = Process.Start(info)!;
        try
        {
            // Run again (execve) once its environment has the tunables (glibc cuts the variable to its first setting where
            // /proc shows it); then the kernel names the process after the file run.
            var environ = $"/proc/{process.Id}/environ";
            var deadline = Stopwatch.StartNew();
            while (!File.ReadAllText(environ).Split('\0').Any(v => v.StartsWith(NativeHeap.TunablesVariable + "=", StringComparison.Ordinal)))
            {
                Assert.False(process.HasExited, "the program ended before it ran itself again");
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), "the program never ran itself again with the tunables");
                Thread.Sleep(50);
            }
            var name = File.ReadAllText($"/proc/{process.Id}/comm").TrimEnd('\n');
            // "exe" is what ps, top and pgrep showed when it ran /proc/self/exe.
            Assert.Equal(Path.GetFileName(info.FileName), name);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    [Fact]
    public void Steady_pgd_steps_take_no_page_faults_even_with_buffers_above_32_MiB()
    {
        Assert.True(File.Exists(Time), $"this test counts a child's page faults with {Time} (Debian package time)");
        var data = WriteLargeImages(13 * Batch);
        var model = Path.Combine(_dir.Path, "large.pt");
        var trained = CliProcess.Run(_dir.Path, "train", "--data", data, "--out", model, "--epochs", "1", "--batch-size", $"{Batch}", "--lr", "0.01",
            "--device", "cpu", "--threads", "1");
        Assert.True(trained.ExitCode == 0, trained.Stderr);

        var tuned = FaultsPerExtraStep(model, data, environment: null);
        var glibc = FaultsPerExtraStep(model, data, new Dictionary<string, string> { [NativeHeap.Variable] = "default" });
        output.WriteLine($"minor faults per extra PGD step: CLI's settings {tuned:N0}, glibc's own {glibc:N0}");

        // A 42 MB buffer mapped afresh is 10,000 pages, and a step has several: with glibc's own settings every extra step
        // faults them in again (measured 56,000–80,000; 9,700–24,000 with this class's earlier settings, which still mapped
        // every block above 32 MiB); the tuned heap grows to the steps' peak in the first batches and then reuses it
        // (measured −44 to 1,124: what is left is a heap growing now and then for the pipeline's other threads, 64 MiB at a time).
        Assert.True(tuned < 5_000, $"{tuned:N0} minor faults per extra PGD step with the CLI's heap settings (glibc's own: {glibc:N0})");
        Assert.True(glibc > 10_000, $"only {glibc:N0} minor faults per extra PGD step with glibc's own settings: the check could not fail");
    }

    /// <summary>
    /// The minor faults of a whole build of 13 batches less those of a build of 3 (the same start-up, model and first
    /// batches), per PGD step of the 10 batches more: what a step costs once the process has warmed up.
    /// </summary>
    private double FaultsPerExtraStep(string model, string data, IReadOnlyDictionary<string, string>? environment)
    {
        var few = Faults(model, data, 3 * Batch, environment);
        var many = Faults(model, data, 13 * Batch, environment);
        return (many - few) / (10.0 * Steps);
    }

    private long Faults(string model, string data, int limit, IReadOnlyDictionary<string, string>? environment)
    {
        var jobDir = Path.Combine(_dir.Path, $"job-{limit}-{Guid.NewGuid():N}");
        var info = CliProcess.StartInfo(_dir.Path, environment, "build", jobDir, "--construction", "det", "--model", model, "--data", data,
            "--limit", $"{limit}", "--batch-size", $"{Batch}", "--devices", "cpu", "--steps", $"{Steps}", "--threads", "1", "--metrics", "none");
        // The same command under /usr/bin/time, which prints the child's minor faults (getrusage) when it ends.
        info.ArgumentList.Insert(0, info.FileName);
        info.ArgumentList.Insert(0, "minor-faults %R");
        info.ArgumentList.Insert(0, "-f");
        info.FileName = Time;
        var result = CliProcess.Run(info, TimeSpan.FromMinutes(5));
        Assert.True(result.ExitCode == 0, result.Stderr);
        var match = Regex.Match(result.Stderr, @"^minor-faults (\d+)$", RegexOptions.Multiline);
        Assert.True(match.Success, $"no fault count from {Time}: {result.Stderr}");
        return long.Parse(match.Groups[1].Value);
    }

    private string WriteLargeImages(int count)
    {
        var random = new Random(3);
        var pixels = new byte[count * Side * Side];
        random.NextBytes(pixels);
        var labels = Enumerable.Range(0, count).Select(i => (byte)(i % 4)).ToArray();
        var images = Path.Combine(_dir.Path, "large-images-idx3-ubyte");
        var labelsPath = Path.Combine(_dir.Path, "large-labels-idx1-ubyte");
        File.WriteAllBytes(images, [.. TinyData.Header(0x803, count, Side, Side), .. pixels]);
        File.WriteAllBytes(labelsPath, [.. TinyData.Header(0x801, count), .. labels]);
        return TinyData.Reference((images, labelsPath));
    }
}
