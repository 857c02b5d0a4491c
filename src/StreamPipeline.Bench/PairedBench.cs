using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;

namespace StreamPipeline.Bench;

/// <summary>
/// <c>bench --mode paired</c>: the bare loop and the pipeline run at the same time, each in its own process
/// (<see cref="PairedPhaseProcess"/>) pinned to its own CPU with one torch thread, so whatever slows the machine during a
/// round (another program, the host stealing time, a slower phase of the VM) slows both sides of that round alike.
/// Each round the pipeline is started first and the bare loop the moment the pipeline's window opens (the build's
/// setup does not overlap the bare window); whichever side finishes first keeps its CPU busy (<see cref="Filler"/>)
/// until the other is done. While a round runs, the two processes swap CPUs every <see cref="SwapInterval"/>: the two
/// vCPUs of a VM need not be equally fast, nor stay so, and swapping evens that out within the round (swapping only
/// between rounds left single rounds 10% apart here).
/// </summary>
public static class PairedBench
{
    /// <summary>How long each side stays on one CPU before the two swap; each round starts with the other assignment.</summary>
    public static readonly TimeSpan SwapInterval = TimeSpan.FromSeconds(1);

    public static async Task<(IReadOnlyList<BenchRound> Rounds, bool PeakRssPerPhase)> RunAsync(
        BenchSettings settings, BenchWorkload workload, (int First, int Second) cpus, string root, Action<string> progress, CancellationToken ct)
    {
        var directory = Path.Combine(root, "paired");
        Directory.CreateDirectory(directory);
        var settingsFile = Path.Combine(directory, "settings.json");
        // The children attack the very checkpoint and data prepared here, on one CPU device each.
        var shared = settings with { Model = workload.Model.Path, Data = workload.Model.Data, Devices = ["cpu"], Mode = BenchMode.Paired };
        await File.WriteAllTextAsync(settingsFile, JsonSerializer.Serialize(shared, PairedPhaseProcess.Json), ct);

        await using var bare = Child.Start(BenchPhase.Bare, settingsFile, progress);
        await using var pipeline = Child.Start(BenchPhase.Pipeline, settingsFile, progress);
        await using var cancel = ct.Register(() =>
        {
            bare.Kill();
            pipeline.Kill();
        });
        progress($"bench: paired: preparing the bare and pipeline processes (pid {bare.Pid}, {pipeline.Pid})");
        await Task.WhenAll(bare.ExpectAsync(PairedPhaseProcess.Ready, ct), pipeline.ExpectAsync(PairedPhaseProcess.Ready, ct));

        var rounds = new List<BenchRound>();
        var perPhase = true;
        for (var number = 1; number <= settings.Repeat; number++)
        {
            var (bareCpu, pipelineCpu) = number % 2 == 1 ? (cpus.First, cpus.Second) : (cpus.Second, cpus.First);
            Pin(bare, bareCpu, pipeline, pipelineCpu);
            using var roundOver = new CancellationTokenSource();
            var swaps = SwapAsync(bare, pipeline, bareCpu, pipelineCpu, roundOver.Token);
            string[] results;
            try
            {
                await pipeline.SendAsync($"{PairedPhaseProcess.Run} {number}");
                await pipeline.ExpectAsync(PairedPhaseProcess.Open, ct);
                await bare.SendAsync($"{PairedPhaseProcess.Run} {number}");
                results = await Task.WhenAll(bare.ExpectAsync(PairedPhaseProcess.Result, ct), pipeline.ExpectAsync(PairedPhaseProcess.Result, ct));
            }
            finally
            {
                await roundOver.CancelAsync();
            }
            var swapCount = await swaps;
            var bareResult = Parse(results[0], "bare");
            var pipelineResult = Parse(results[1], "pipeline");
            perPhase &= bareResult.PeakRssReset && pipelineResult.PeakRssReset;
            var round = new BenchRound(number, [BenchPhase.Bare, BenchPhase.Pipeline], bareResult.Measurement, pipelineResult.Measurement, null, null)
            {
                Pairing = new BenchRound.CpuPairing(bareCpu, pipelineCpu, swapCount, bareResult.ThreadCpus, pipelineResult.ThreadCpus),
            };
            rounds.Add(round);
            progress($"bench: round {number}/{settings.Repeat} (together; bare from CPU {bareCpu}, pipeline from CPU {pipelineCpu}, {swapCount} swaps): " +
                     $"bare {round.Bare.ImgStepsPerSecond:N0}, pipeline {round.Pipeline.ImgStepsPerSecond:N0} img-PGD-steps/s; ratio {round.Ratio:F3}, cpu ratio {round.CpuRatio:F3}");
        }
        await Task.WhenAll(bare.StopAsync(), pipeline.StopAsync());
        return (rounds, perPhase);
    }

    /// <summary>Swaps the two processes' CPUs every <see cref="SwapInterval"/> until the round is over; returns how many times.</summary>
    private static async Task<int> SwapAsync(Child bare, Child pipeline, int bareCpu, int pipelineCpu, CancellationToken roundOver)
    {
        var swaps = 0;
        using var timer = new PeriodicTimer(SwapInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(roundOver))
            {
                (bareCpu, pipelineCpu) = (pipelineCpu, bareCpu);
                Pin(bare, bareCpu, pipeline, pipelineCpu);
                swaps++;
            }
        }
        catch (OperationCanceledException)
        {
            // The round is over.
        }
        return swaps;
    }

    private static void Pin(Child bare, int bareCpu, Child pipeline, int pipelineCpu)
    {
        // A process that has ended is reported by the protocol, not here.
        CpuAffinity.PinProcess(bare.Pid, bareCpu);
        CpuAffinity.PinProcess(pipeline.Pid, pipelineCpu);
    }

    private static PairedPhaseProcess.PhaseResult Parse(string json, string phase) =>
        JsonSerializer.Deserialize<PairedPhaseProcess.PhaseResult>(json, PairedPhaseProcess.Json)
        ?? throw new InvalidDataException($"bench: the {phase} process answered an empty result");

    /// <summary>The parent's handle on one phase process: protocol lines from its stdout, its stderr relayed as progress.</summary>
    private sealed class Child : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly string _name;
        private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
        private readonly Queue<string> _lastErrors = new();
        private readonly Task _stdout;
        private readonly Task _stderr;

        private Child(Process process, string name, Action<string> progress)
        {
            _process = process;
            _name = name;
            _stdout = Task.Run(async () =>
            {
                while (await process.StandardOutput.ReadLineAsync() is { } line)
                    await _lines.Writer.WriteAsync(line);
                _lines.Writer.TryComplete();
            });
            _stderr = Task.Run(async () =>
            {
                while (await process.StandardError.ReadLineAsync() is { } line)
                {
                    lock (_lastErrors)
                    {
                        _lastErrors.Enqueue(line);
                        if (_lastErrors.Count > 20) _lastErrors.Dequeue();
                    }
                    progress($"bench: {name}: {line}");
                }
            });
        }

        public int Pid => _process.Id;

        public static Child Start(BenchPhase phase, string settingsFile, Action<string> progress)
        {
            var name = phase.ToString().ToLowerInvariant();
            var start = ChildProcess.Self("the paired phases");
            start.RedirectStandardInput = true;
            start.RedirectStandardOutput = true;
            start.RedirectStandardError = true;
            start.UseShellExecute = false;
            foreach (var argument in new[] { "bench-phase", "--settings", settingsFile, "--phase", name, "--threads", "1" })
                start.ArgumentList.Add(argument);
            // One OpenMP thread from the start: libtorch's pool is sized before --threads applies.
            start.Environment["OMP_NUM_THREADS"] = "1";
            // Every method compiled optimised at its first call (in the warm-up) rather than recompiled on a background
            // thread once it has run 30 times: with tiering on, round 1's pipeline window carried 1.7-2.2 processor-seconds
            // of it (4% of the round) and round 2 more, as per-batch code reached the threshold. Both sides run alike.
            start.Environment["DOTNET_TieredCompilation"] = "0";
            start.Environment["DOTNET_ReadyToRun"] = "0";
            start.Environment["MKL_NUM_THREADS"] = "1";
            start.Environment.Remove("STREAM_PIPELINE_THREADS");
            var process = Process.Start(start) ?? throw new InvalidOperationException($"bench: could not start the {name} process");
            return new Child(process, name, progress);
        }

        public async Task SendAsync(string line)
        {
            await _process.StandardInput.WriteLineAsync(line);
            await _process.StandardInput.FlushAsync();
        }

        /// <summary>Waits for the protocol line starting with <paramref name="keyword"/> and returns the rest of it; throws with the child's own words when it fails or ends.</summary>
        public async Task<string> ExpectAsync(string keyword, CancellationToken ct)
        {
            while (true)
            {
                string line;
                try
                {
                    line = await _lines.Reader.ReadAsync(ct);
                }
                catch (ChannelClosedException)
                {
                    await _stderr.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    ct.ThrowIfCancellationRequested();
                    string last;
                    lock (_lastErrors) last = _lastErrors.LastOrDefault(l => !string.IsNullOrWhiteSpace(l)) ?? "no output";
                    var code = _process.WaitForExit(5000) ? _process.ExitCode.ToString() : "unknown";
                    throw new InvalidOperationException($"bench: the {_name} process ended (exit code {code}) while bench waited for '{keyword}': {last}");
                }
                if (line.StartsWith(PairedPhaseProcess.Failed + " ", StringComparison.Ordinal))
                    throw new InvalidOperationException($"bench: the {_name} process failed: {line[(PairedPhaseProcess.Failed.Length + 1)..]}");
                if (line == keyword) return "";
                if (line.StartsWith(keyword + " ", StringComparison.Ordinal)) return line[(keyword.Length + 1)..];
                // Anything else on stdout (a library's own output) is not part of the protocol.
            }
        }

        public async Task StopAsync()
        {
            try
            {
                await SendAsync(PairedPhaseProcess.Exit);
            }
            catch (IOException)
            {
                // Already gone.
            }
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        public void Kill()
        {
            try
            {
                if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile.
            }
        }

        public async ValueTask DisposeAsync()
        {
            Kill();
            await Task.WhenAll(_stdout, _stderr).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _process.Dispose();
        }
    }
}
