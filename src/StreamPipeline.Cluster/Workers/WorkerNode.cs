using Akka.Configuration;
using StreamPipeline.Cluster.Protocol;
using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Cluster.Workers;

/// <summary>
/// A worker process: joins the coordinator's cluster and serves its job in sessions. When the coordinator cannot be
/// reached (it was killed, the network split and this side downed itself), the worker starts a fresh actor system and
/// joins again, backing off, until the coordinator answers or <see cref="ClusterSettings.CoordinatorTimeout"/> passes.
/// The job's data and perturbers are prepared once and kept across sessions.
/// </summary>
public static class WorkerNode
{
    public static async Task<WorkerOutcome> RunAsync(WorkerOptions options, IWorkerBackend backend, Config? overrides, PipelineMetrics metrics,
        Action<string> say, CancellationToken ct)
    {
        var settings = ClusterSettings.From((overrides ?? Config.Empty).WithFallback(ClusterSystem.DefaultConfig));
        var tally = new WorkerTally();
        PreparedWork? prepared = null;
        PreparedWork Prepare(JobOffer offer)
        {
            if (prepared is not null && prepared.SpecHash != offer.SpecHash)
                throw new WorkerCannotServeException($"this worker served job {prepared.SpecHash[..12]}; the coordinator at {options.Coordinator} now serves job {offer.SpecHash[..12]}");
            return prepared ??= backend.Prepare(offer);
        }

        var backoff = settings.ReconnectBackoffMin;
        var lastContact = DateTime.UtcNow;
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                var system = ClusterSystem.Create(ClusterSystem.WorkerRole, options.Endpoint, options.Coordinator, overrides);
                var session = new WorkerSession(system, options, settings, metrics, Prepare, tally, say);
                WorkerOutcome? outcome;
                try
                {
                    outcome = await session.RunAsync(ct).ConfigureAwait(false);
                }
                catch (Exception e) when (!ct.IsCancellationRequested && e is not WorkerCannotServeException)
                {
                    // The session was lost (the coordinator went away, or this side was downed): start a new one.
                    say($"lost the coordinator ({e.GetType().Name}: {e.Message.Split('\n')[0]})");
                    outcome = null;
                }
                finally
                {
                    await Akka.Actor.CoordinatedShutdown.Get(system).Run(Akka.Actor.CoordinatedShutdown.ClrExitReason.Instance).ConfigureAwait(false);
                }
                if (outcome is not null)
                    return outcome;
                if (session.Connected)
                {
                    lastContact = DateTime.UtcNow;
                    backoff = settings.ReconnectBackoffMin;
                }
                if (DateTime.UtcNow - lastContact > settings.CoordinatorTimeout)
                    return tally.Outcome(WorkerEnd.CoordinatorGone, $"the coordinator at {options.Coordinator} did not answer for {settings.CoordinatorTimeout}; giving up" +
                        " (a coordinator using TLS answers only workers given the same --tls-cert)");
                say($"cannot reach the coordinator at {options.Coordinator}; trying again in {backoff.TotalSeconds:0.#} s");
                await Task.Delay(backoff, ct).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(settings.ReconnectBackoffMax.Ticks, backoff.Ticks * 2));
            }
        }
        finally
        {
            prepared?.Dispose();
        }
    }
}
