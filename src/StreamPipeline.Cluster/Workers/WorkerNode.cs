using Akka.Configuration;
using StreamPipeline.Cluster.Protocol;
using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Cluster.Workers;

/// <summary>
/// A worker process: joins the coordinator's cluster and serves its job in sessions. When the coordinator cannot be
/// reached (it was killed, the network split and this side downed itself), the worker starts a fresh actor system and
/// joins again, backing off, until the coordinator answers. Once the coordinator has not answered anything for
/// <see cref="ClusterSettings.CoordinatorTimeout"/>, the worker gives up, whatever it was waiting for.
/// The job's data and perturbers are prepared once and kept across sessions.
/// </summary>
public static class WorkerNode
{
    public static async Task<WorkerOutcome> RunAsync(WorkerOptions options, IWorkerBackend backend, Config? overrides, PipelineMetrics metrics,
        Action<string> say, CancellationToken ct)
    {
        var settings = ClusterSettings.From((overrides ?? Config.Empty).WithFallback(ClusterSystem.DefaultConfig));
        var tally = new WorkerTally();
        // Cancelled after coordinator-timeout without an answer from the coordinator; every answer restarts the clock.
        using var silence = new CancellationTokenSource(settings.CoordinatorTimeout);
        using var session = CancellationTokenSource.CreateLinkedTokenSource(ct, silence.Token);
        void Heard(bool heard)
        {
            try
            {
                // Preparing the job (loading the model and data) is no silence of the coordinator's: the clock stops meanwhile.
                silence.CancelAfter(heard ? settings.CoordinatorTimeout : Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
                // an abandoned session answered after the worker ended
            }
        }
        WorkerOutcome Gone() => tally.Outcome(WorkerEnd.CoordinatorGone,
            $"the coordinator at {options.Coordinator} did not answer for {settings.CoordinatorTimeout}; giving up" +
            " (a coordinator using TLS answers only workers given the same --tls-cert)");

        PreparedWork? prepared = null;
        PreparedWork Prepare(JobOffer offer)
        {
            if (prepared is not null && prepared.SpecHash != offer.SpecHash)
                throw new WorkerCannotServeException($"this worker served job {prepared.SpecHash[..12]}; the coordinator at {options.Coordinator} now serves job {offer.SpecHash[..12]}");
            return prepared ??= backend.Prepare(offer);
        }

        var backoff = settings.ReconnectBackoffMin;
        var abandoned = false;
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                if (silence.IsCancellationRequested)
                    return Gone();
                var system = ClusterSystem.Create(ClusterSystem.WorkerRole, options.Endpoint, options.Coordinator, overrides);
                var attempt = new WorkerSession(system, options, settings, metrics, Prepare, tally, say, Heard);
                var running = Task.FromResult<WorkerOutcome?>(null);
                WorkerOutcome? outcome;
                try
                {
                    // A wait inside the session that outlives its token (an ask whose actor system was downed and
                    // terminated never times out) is left behind: the worker does not wait for it past its deadline.
                    running = attempt.RunAsync(session.Token);
                    outcome = await running.WaitAsync(session.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested && silence.IsCancellationRequested)
                {
                    outcome = Gone();
                }
                catch (Exception e) when (!ct.IsCancellationRequested && e is not WorkerCannotServeException)
                {
                    // The session was lost (the coordinator went away, or this side was downed): start a new one.
                    say($"lost the coordinator ({e.GetType().Name}: {e.Message.Split('\n')[0]})");
                    outcome = null;
                }
                finally
                {
                    await LeaveAsync(system, session.Token).ConfigureAwait(false);
                    abandoned = !running.IsCompleted;
                }
                if (outcome is not null)
                    return outcome;
                if (attempt.Connected)
                    backoff = settings.ReconnectBackoffMin;
                if (silence.IsCancellationRequested)
                    return Gone();
                say($"cannot reach the coordinator at {options.Coordinator}; trying again in {backoff.TotalSeconds:0.#} s");
                try
                {
                    await Task.Delay(backoff, session.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    return Gone();
                }
                backoff = TimeSpan.FromTicks(Math.Min(settings.ReconnectBackoffMax.Ticks, backoff.Ticks * 2));
            }
        }
        finally
        {
            // A session left behind may still hold the device: its models are freed with the process instead.
            if (!abandoned)
                prepared?.Dispose();
        }
    }

    /// <summary>How long a worker past its deadline (or interrupted) waits for its actor system to leave the cluster.</summary>
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(3);

    /// <summary>Leaving the cluster waits for a coordinator that may be gone: until the worker's deadline, then <see cref="ShutdownGrace"/> at most.</summary>
    private static async Task LeaveAsync(Akka.Actor.ActorSystem system, CancellationToken deadline)
    {
        var shutdown = Akka.Actor.CoordinatedShutdown.Get(system).Run(Akka.Actor.CoordinatedShutdown.ClrExitReason.Instance);
        try
        {
            await shutdown.WaitAsync(deadline).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException)
        {
        }
        await Task.WhenAny(shutdown, Task.Delay(ShutdownGrace, CancellationToken.None)).ConfigureAwait(false);
    }
}
