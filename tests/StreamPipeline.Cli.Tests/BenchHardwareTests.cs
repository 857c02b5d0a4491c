using System.Diagnostics;
using System.Text.Json;
using StreamPipeline.Bench;
using StreamPipeline.Models;

namespace StreamPipeline.Cli.Tests;

/// <summary>
/// bench against the hardware, through the real program: the work per image counted from the model's layers, the FP32
/// peak measured at start, each phase's FLOP rate per wall and per processor second and its share of the peak (the
/// arithmetic checked from the figures it reports beside them), page faults per PGD step, and a warning when other work
/// takes the cores it measures on. No figure is compared with a speed.
/// </summary>
public sealed class BenchHardwareTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [FashionMnistFact]
    public void Bench_reads_each_phase_against_the_measured_peak_and_the_models_flops()
    {
        const int images = 64, steps = 2;
        var result = CliProcess.Run(_dir.Path, "bench", "--json", "--mode", "sequential", "--limit", $"{images}", "--batch-size", "32", "--steps", $"{steps}",
            "--repeat", "1", "--threads", "1");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        var hardware = root.GetProperty("hardware");

        // small-cnn on 1×28×28: 4,241,152 multiply-adds (ModelFlopsTests counts them by hand), 2 FLOP each, twice per step.
        Assert.Equal(8_482_304, hardware.GetProperty("forward_flop_per_image").GetDouble());
        Assert.Equal(16_964_608, hardware.GetProperty("pgd_step_flop_per_image").GetDouble());
        Assert.Equal(steps * 16_964_608 + 2 * 8_482_304, hardware.GetProperty("flop_per_image").GetDouble());
        Assert.Equal("all", hardware.GetProperty("transforms").GetString());
        Assert.Equal(2, hardware.GetProperty("batches").GetInt32());

        var peak = hardware.GetProperty("peak");
        var perCore = peak.GetProperty("gflops_per_core").GetDouble();
        var sgemmPerCore = peak.GetProperty("sgemm_gflops_per_core").GetDouble();
        Assert.True(perCore > 0 && sgemmPerCore > 0 && sgemmPerCore <= perCore + 0.01, peak.ToString());
        Assert.NotEmpty(peak.GetProperty("per_cpu").EnumerateArray());

        foreach (var name in new[] { "bare", "pipeline" })
        {
            var phase = root.GetProperty("phases").GetProperty(name);
            var cpuSeconds = phase.GetProperty("cpu_seconds").GetDouble();
            var gflopsPerCpu = phase.GetProperty("gflops_per_cpu_s").GetDouble();
            // The work is the same in every phase: images × FLOP per image, over the phase's processor time.
            Assert.Equal(images * hardware.GetProperty("flop_per_image").GetDouble() / cpuSeconds / 1e9, gflopsPerCpu, gflopsPerCpu * 0.01);
            Assert.Equal(gflopsPerCpu / perCore, phase.GetProperty("peak_share_per_cpu_s").GetDouble(), 0.001);
            Assert.Equal(gflopsPerCpu / sgemmPerCore, phase.GetProperty("sgemm_share_per_cpu_s").GetDouble(), 0.001);
            Assert.Equal(images * steps / cpuSeconds, phase.GetProperty("img_steps_per_cpu_s").GetDouble(), images * steps / cpuSeconds * 0.01);
            Assert.True(phase.GetProperty("minor_faults_per_step").GetDouble() >= 0, phase.ToString());
        }
        Assert.Contains("  peak       FMA units", result.Stderr);
        Assert.Contains("  hardware   bare      ", result.Stderr);
        Assert.Contains("16.96 MFLOP per image-PGD-step", result.Stderr);
    }

    [FashionMnistFact]
    public void Bench_warns_when_other_work_takes_the_cores_it_measures_on()
    {
        // Four busy loops on two CPUs: each paired side gets about a third of its CPU.
        var burners = Enumerable.Range(0, 2 * Environment.ProcessorCount)
            .Select(_ => Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "while :; do :; done"]) { UseShellExecute = false })!)
            .ToList();
        try
        {
            var result = CliProcess.Run(_dir.Path, "bench", "--json", "--limit", "64", "--batch-size", "32", "--steps", "2", "--repeat", "1");

            Assert.True(result.ExitCode == 0, result.Stderr);
            using var json = JsonDocument.Parse(result.Stdout);
            var busy = json.RootElement.GetProperty("busy").GetString();
            Assert.NotNull(busy);
            Assert.Matches(@"(bare|pipeline) ran on 0\.\d\d cores for 1 torch thread", busy);
            Assert.Contains("  WARNING    machine busy: ", result.Stderr);
            Assert.Contains("read the per-processor-second figures", result.Stderr);
        }
        finally
        {
            foreach (var burner in burners)
            {
                burner.Kill();
                burner.WaitForExit();
                burner.Dispose();
            }
        }
    }

    [Fact]
    public void Bench_peer_runs_pytorch_as_debian_installs_it_and_at_its_best_and_says_which_blas_each_loaded()
    {
        const string openBlas = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3";
        Assert.True(File.Exists(openBlas), $"this test needs OpenBLAS ({openBlas}; Debian: apt-get install libopenblas0-pthread)");
        var result = CliProcess.Run(_dir.Path, "bench", "--json", "--quiet", "--peer", "--model", "resnet18", "--limit", "4", "--batch-size", "4", "--steps", "1",
            "--repeat", "1", "--threads", "1", "--train-images", "0");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        var debian = root.GetProperty("peer");
        var best = root.GetProperty("peer_best");
        // As Debian installs it: its reference BLAS where libblas3 is installed (bench then loads that one), else what
        // update-alternatives makes libblas.so.3 — OpenBLAS on a machine where python3-torch and libopenblas0 came in together.
        var debianBlas = Directory.Exists(PyTorchPeer.ReferenceBlasDirectory)
            ? PyTorchPeer.ReferenceBlasDirectory
            : Path.GetDirectoryName(new FileInfo("/usr/lib/x86_64-linux-gnu/libblas.so.3").ResolveLinkTarget(returnFinalTarget: true)!.FullName)!;
        Assert.Contains($" ({debianBlas}/", debian.GetProperty("blas").GetString());
        Assert.Equal("none", debian.GetProperty("transforms").GetString());
        Assert.Equal("", debian.GetProperty("glibc_tunables").GetString());
        Assert.StartsWith("OpenBLAS (/usr/lib/x86_64-linux-gnu/openblas-pthread/", best.GetProperty("blas").GetString());
        Assert.Equal("inplace,fold-bn,channels-last", best.GetProperty("transforms").GetString());
        Assert.Equal(NativeHeap.Tunables, best.GetProperty("glibc_tunables").GetString());
        foreach (var peer in new[] { debian, best })
        {
            Assert.True(peer.GetProperty("img_steps_per_s").GetDouble() > 0, peer.ToString());
            Assert.True(peer.GetProperty("peak_share_per_cpu_s").GetDouble() > 0, peer.ToString());
            Assert.True(peer.GetProperty("bare_to_peer").GetDouble() > 0, peer.ToString());
        }
        var round = root.GetProperty("rounds")[0];
        Assert.Equal(round.GetProperty("bare").GetProperty("img_steps_per_s").GetDouble() / round.GetProperty("peer_best").GetProperty("img_steps_per_s").GetDouble(),
            round.GetProperty("bare_to_peer_best").GetDouble(), 0.01);
        Assert.Contains("  PyTorch+   ", result.Stderr);
        Assert.Contains("  hardware   pytorch+  ", result.Stderr);
    }
}
