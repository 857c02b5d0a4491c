using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using StreamPipeline.Cluster.Simulation;

namespace StreamPipeline.Cli.Commands;

/// <summary><c>stream-pipeline simulate-cluster</c>: the coordinator under many instant workers, at several job sizes.</summary>
public static class SimulateClusterCommand
{
    public static Command Create()
    {
        var shards = new Option<string>("--shards") { Description = "Job sizes to simulate, in shards (comma-separated).", DefaultValueFactory = _ => "1000,10000,100000" };
        var workers = new Option<int>("--workers") { Description = "Simulated workers (actors in this process, real protocol, instant shards).", DefaultValueFactory = _ => 64 };
        var dir = new Option<string?>("--dir") { Description = "Where the simulated job directories go (default /dev/shm when present: the figures are then the coordinator's CPU cost, not the disk's fsync latency)." };
        var json = CommonOptions.Json();
        var command = new Command("simulate-cluster",
            "Run the real coordinator (leases, StreamRef deliveries, checks, commits, manifest) against many workers whose shards are built instantly, " +
            "and report leases/s, commits/s and the manifest's cost per commit for each job size.")
        {
            shards, workers, dir, json,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async token =>
        {
            var sizes = parse.GetValue(shards)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(t => int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new UsageException($"--shards: '{t}' is not a positive count"))
                .ToArray();
            var workDir = parse.GetValue(dir) ?? (Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath());
            if (!Directory.Exists(workDir)) throw new UsageException($"--dir {workDir} does not exist");
            if (parse.GetValue(workers) < 1) throw new UsageException("--workers must be at least 1");
            var reports = new List<SimulationReport>();
            Console.Error.WriteLine($"simulate-cluster: {parse.GetValue(workers)} workers, job directories in {workDir}");
            Console.Error.WriteLine("   shards  workers  elapsed s  leases/s  commits/s  manifest B/commit  manifest µs/commit  compactions");
            foreach (var size in sizes)
            {
                var r = await ClusterSimulation.RunAsync(workDir, size, parse.GetValue(workers), token);
                reports.Add(r);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.Shards,9:N0}  {r.Workers,7}  {r.Elapsed.TotalSeconds,9:F1}  {r.LeasesPerSecond,8:F0}  {r.CommitsPerSecond,9:F0}  {r.ManifestBytesPerCommit,17:F0}  {r.ManifestMicrosecondsPerCommit,18:F0}  {r.Compactions,11}"));
            }
            if (parse.GetValue(json))
            {
                Console.WriteLine(new JsonArray(reports.Select(r => (JsonNode)new JsonObject
                {
                    ["shards"] = r.Shards, ["workers"] = r.Workers, ["elapsed_s"] = r.Elapsed.TotalSeconds, ["leases_granted"] = r.LeasesGranted,
                    ["commits"] = r.Commits, ["leases_per_s"] = r.LeasesPerSecond, ["commits_per_s"] = r.CommitsPerSecond,
                    ["manifest_bytes_per_commit"] = r.ManifestBytesPerCommit, ["manifest_us_per_commit"] = r.ManifestMicrosecondsPerCommit,
                    ["compactions"] = r.Compactions, ["discarded"] = r.Discarded,
                }).ToArray()).ToJsonString());
            }
            return ExitCodes.Success;
        }, ct));
        return command;
    }
}
