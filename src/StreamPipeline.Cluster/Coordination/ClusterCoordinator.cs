using Akka.Actor;
using Akka.Configuration;
using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Cluster.Coordination;

/// <summary>
/// Runs the coordinator node of a job: an actor system bound to the given address, the seed of its own cluster, with
/// the <see cref="JobCoordinator"/> at <c>/user/coordinator</c>. Returns when every shard is committed, the job
/// failed, or <paramref name="ct"/> stops it (the job directory stays resumable: run the same command again).
/// </summary>
/// <remarks>
/// A plain role rather than a cluster singleton: the coordinator owns the job directory on its own disk (workers share
/// no file system), so there is nowhere for a singleton to migrate to. A coordinator that dies is started again with
/// the same command; it resumes from the manifest and the workers rejoin it.
/// </remarks>
public static class ClusterCoordinator
{
    public static async Task<CoordinatorResult> RunAsync(CoordinatorJob job, ClusterEndpoint endpoint, Config? overrides,
        PipelineMetrics metrics, Action<CoordinatorStatus>? onStatus, Action<string>? onBound, CancellationToken ct, Action<string>? say = null)
    {
        var system = ClusterSystem.Create(ClusterSystem.CoordinatorRole, endpoint, seed: null, overrides);
        try
        {
            // With TLS, a worker lacking the cluster's certificate is refused at the handshake and only sees silence:
            // this side says so, once per address.
            if (say is not null && ClusterTls.IsConfigured(system.Settings.Config))
                WatchRefusedConnections(system, say);
            var settings = ClusterSettings.From(system.Settings.Config);
            var finishedBefore = job.Directory.Manifest.IsComplete;
            var done = new TaskCompletionSource<CoordinatorResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            var coordinator = system.ActorOf(JobCoordinator.Props(job, settings, new ClusterMetrics(metrics), onStatus, done, say), ClusterSystem.CoordinatorActorName);
            onBound?.Invoke(JobCoordinator.NodeName(Akka.Cluster.Cluster.Get(system).SelfAddress));
            await using (ct.Register(() => done.TrySetCanceled(ct)))
            {
                var result = await done.Task.ConfigureAwait(false);
                if (finishedBefore)
                {
                    // The job was finished before this coordinator started (the last one was killed after its last commit):
                    // its workers are reconnecting with backoff, so stay one full reconnect cycle for each of them to hear it.
                    var farewell = settings.ReconnectBackoffMax + settings.AskTimeout;
                    say?.Invoke($"the job was already complete; answering reconnecting workers for {farewell.TotalSeconds:0.#} s (Ctrl-C ends this)");
                    try
                    {
                        await Task.Delay(farewell, ct).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
                else
                {
                    await WaitUntilWorkersTold(coordinator, settings).ConfigureAwait(false);
                }
                await coordinator.GracefulStop(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                return result;
            }
        }
        finally
        {
            await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance).ConfigureAwait(false);
        }
    }

    /// <summary>Starts a <see cref="RefusedConnectionReporter"/> and lowers the log bus to warnings so that Akka.Remote's refusals reach it.</summary>
    private static void WatchRefusedConnections(ActorSystem system, Action<string> say)
    {
        var reporter = system.ActorOf(RefusedConnectionReporter.Props(say), "refused-connections");
        system.EventStream.Subscribe(reporter, typeof(Akka.Event.Error));
        system.EventStream.Subscribe(reporter, typeof(Akka.Event.Warning));
        if (system.EventStream.LogLevel > Akka.Event.LogLevel.WarningLevel)
            system.EventStream.SetLogLevel(Akka.Event.LogLevel.WarningLevel);
    }

    /// <summary>
    /// Workers learn the end when they next ask for work, renew a lease or deliver a shard (at least every renew
    /// interval while they hold a lease): the coordinator answers until every live worker has heard it — a failed job
    /// must not leave its workers trying to reconnect — or two renew intervals (at least 3 s) have passed.
    /// </summary>
    private static async Task WaitUntilWorkersTold(IActorRef coordinator, ClusterSettings settings)
    {
        var until = DateTime.UtcNow + TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(3).Ticks, 2 * settings.RenewInterval.Ticks + TimeSpan.FromSeconds(1).Ticks));
        while (DateTime.UtcNow < until)
        {
            if (await coordinator.Ask<bool>(new AllWorkersTold(), TimeSpan.FromSeconds(5)).ConfigureAwait(false))
                return;
            await Task.Delay(100).ConfigureAwait(false);
        }
    }
}
