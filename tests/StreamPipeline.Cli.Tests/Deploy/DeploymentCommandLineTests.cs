using System.Text.RegularExpressions;
using k8s.Models;
using YamlDotNet.Serialization;

namespace StreamPipeline.Cli.Tests.Deploy;

/// <summary>
/// Every command line of the program in the deployment files — docker/compose.yaml (all profiles),
/// docker/observability/compose.yaml, deploy/kubernetes/*.yaml, deploy/slurm/*.sbatch and deploy/**/*.sh — parses
/// with the program's own parser, a misspelt flag in any of them fails, and the files agree with each other on the
/// coordinator's address, the certificate, the metrics port and the mounted paths. No cluster runs here: these are
/// the checks a file can get without one (docker/prove.sh runs the compose cluster).
/// </summary>
public sealed class DeploymentCommandLineTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in DeploymentFiles.All)
            data.Add(file);
        return data;
    }

    /// <summary>The files that hold a command line of the program (a manifest of volume claims alone has none).</summary>
    public static TheoryData<string> FilesWithCommandLines()
    {
        var data = new TheoryData<string>();
        foreach (var file in DeploymentFiles.All.Where(f => DeploymentFiles.Invocations(f, DeploymentFiles.Read(f)).Count > 0))
            data.Add(file);
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_program_command_line_in_the_file_parses_with_the_programs_own_parser(string file)
    {
        var text = DeploymentFiles.Read(file);
        var invocations = DeploymentFiles.Invocations(file, text);

        // Only a Kubernetes file without any workload may have none: anything else means the reader missed them.
        var workloadless = DeploymentFiles.KubernetesFiles.Contains(file) && !KubernetesManifests.Load([(file, text)]).PodTemplates().Any();
        Assert.True(invocations.Count > 0 || workloadless,
            $"{file}: no command line of the program found (shell scripts: start them with \"$SP\" or stream-pipeline, see {nameof(ShellInvocations)})");
        var errors = invocations.SelectMany(i => DeploymentFiles.ParseErrors(i).Select(e => $"{i}: {e}")).ToList();
        Assert.True(errors.Count == 0, string.Join('\n', errors));
    }

    [Theory]
    [MemberData(nameof(FilesWithCommandLines))]
    public void A_misspelt_flag_in_the_file_fails_the_check(string file)
    {
        var text = DeploymentFiles.Read(file);
        var flag = DeploymentFiles.Invocations(file, text).SelectMany(i => i.Args).First(a => a.StartsWith("--", StringComparison.Ordinal));
        var misspelt = flag + "x";

        var copy = Regex.Replace(text, $@"(?<![\w-]){Regex.Escape(flag)}(?![\w-])", misspelt);

        Assert.NotEqual(text, copy);
        var errors = DeploymentFiles.Invocations(file, copy).SelectMany(DeploymentFiles.ParseErrors).ToList();
        Assert.Contains(errors, e => e.Contains(misspelt, StringComparison.Ordinal));
    }

    [Fact]
    public void The_files_run_the_commands_they_are_for()
    {
        static string[] Commands(string file) =>
            DeploymentFiles.Invocations(file, DeploymentFiles.Read(file)).Select(i => i.Args[0] == "build" && i.Args.Contains("--serve") ? "build --serve" : i.Args[0]).Distinct().Order().ToArray();

        Assert.Equal(["build --serve", "cluster-cert", "experiment", "worker"], Commands("docker/compose.yaml"));
        Assert.Equal(["build"], Commands("docker/observability/compose.yaml"));
        Assert.Equal(["build --serve", "worker"], DeploymentFiles.KubernetesFiles.SelectMany(Commands).Distinct().Order().ToArray());
    }

    [Fact]
    public void Shell_scripts_are_read_by_the_documented_convention()
    {
        const string script = """
            #!/bin/bash
            #SBATCH --nodes=3
            set -euo pipefail
            SP=${STREAM_PIPELINE:-stream-pipeline}   # the program
            THREADS=${SLURM_CPUS_PER_TASK:-4}
            PORT=${PORT:-$((20000 + SLURM_JOB_ID % 40000))}
            export HEAD=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
            command -v "$SP" >/dev/null || { echo "no $SP"; exit 1; }
            "$SP" cluster-cert --out certs --keep-existing 2>&1 | tee cert.log
            srun --nodes=1 -w "$HEAD" "$SP" build "${JOB_DIR:-runs/det}" --spec jobs/det.conf \
                --serve --host 0.0.0.0 --public-host "$HEAD" --port "$PORT" --tls-cert certs/cluster.pfx --threads "$THREADS" "${extra[@]}" &
            for i in 1 2; do srun --nodes=1 $SP worker --join "$HEAD:$PORT" --tls-cert certs/cluster.pfx --threads $THREADS "$@" & done
            echo "stream-pipeline worker --join nowhere"   # quoted text, not a command
            cat > notes.txt <<EOF
            "$SP" worker --bogus-flag
            EOF
            wait
            """;

        var found = ShellInvocations.Read("example.sbatch", script);

        Assert.Equal(
        [
            "line 9: cluster-cert --out certs --keep-existing",
            "line 10: build runs/det --spec jobs/det.conf --serve --host 0.0.0.0 --public-host $(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | head -n 1) --port 20000 --tls-cert certs/cluster.pfx --threads 4",
            "line 12: worker --join $(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | head -n 1):20000 --tls-cert certs/cluster.pfx --threads 4",
        ], found.Select(i => $"{i.Where}: {string.Join(' ', i.Args)}"));
        Assert.All(found, i => Assert.Empty(DeploymentFiles.ParseErrors(i)));

        var misspelt = ShellInvocations.Read("example.sbatch", script.Replace("--public-host", "--publik-host", StringComparison.Ordinal));
        Assert.Contains(misspelt.SelectMany(DeploymentFiles.ParseErrors), e => e.Contains("--publik-host", StringComparison.Ordinal));
    }

    [Fact]
    public void Kubernetes_manifests_agree_on_the_coordinators_name_and_port_the_certificate_the_metrics_port_and_the_mounts()
    {
        var k8s = KubernetesManifests.Load(DeploymentFiles.KubernetesFiles.Select(f => (f, DeploymentFiles.Read(f))));
        var service = Assert.Single(k8s.OfKind<V1Service>(), s => s.Spec.ClusterIP == "None");
        var coordinatorSet = Assert.Single(k8s.OfKind<V1StatefulSet>());
        Assert.Equal(service.Metadata.Name, coordinatorSet.Spec.ServiceName);
        Assert.Equal(1, coordinatorSet.Spec.Replicas);
        Assert.True(service.Spec.PublishNotReadyAddresses, "the coordinator's own name must resolve before it is ready (Akka resolves --public-host to bind)");
        var containers = k8s.ProgramContainers().ToList();
        var invocations = k8s.Invocations().ToList();
        var coordinator = Assert.Single(invocations, i => i.Args[0] == "build");
        var workers = invocations.Where(i => i.Args[0] == "worker").ToList();
        Assert.NotEmpty(workers);

        // The Service port = the coordinator's --port = its container port; workers join the name it advertises.
        var port = int.Parse(DeploymentFiles.Option(coordinator, "--port")!, System.Globalization.CultureInfo.InvariantCulture);
        var clusterPort = Assert.Single(service.Spec.Ports, p => p.Port == port);
        var coordinatorContainer = containers.Single(c => c.Workload.StartsWith("StatefulSet", StringComparison.Ordinal)).Container;
        Assert.Contains(coordinatorContainer.Ports, p => p.Name == clusterPort.TargetPort.Value && p.ContainerPort == port);
        var publicHost = DeploymentFiles.Option(coordinator, "--public-host");
        Assert.Equal(service.Metadata.Name, publicHost);
        Assert.Equal("0.0.0.0", DeploymentFiles.Option(coordinator, "--host"));
        Assert.All(workers, w => Assert.Equal($"{publicHost}:{port}", DeploymentFiles.Option(w, "--join")));

        var claims = k8s.OfKind<V1PersistentVolumeClaim>().Select(c => c.Metadata.Name).ToHashSet();
        var templates = coordinatorSet.Spec.VolumeClaimTemplates.Select(t => t.Metadata.Name).ToHashSet();
        var secrets = new HashSet<(string Secret, string Key)>();
        foreach (var (file, workload, pod, container) in containers)
        {
            var invocation = invocations.Single(i => i.Where == $"{workload}, container {container.Name}");
            var where = $"{file}: {workload}";
            V1VolumeMount? MountOf(string path) =>
                container.VolumeMounts.Where(m => path == m.MountPath || path.StartsWith(m.MountPath.TrimEnd('/') + "/", StringComparison.Ordinal)).MaxBy(m => m.MountPath.Length);

            // Every path the command line names is in a volume (the image's /config aside), its volume declared.
            foreach (var path in invocation.Args.Where(a => a.StartsWith('/') && !a.StartsWith("/config/", StringComparison.Ordinal)))
            {
                var mount = MountOf(path);
                Assert.True(mount is not null, $"{where}: {path} is on no volume mount");
                var volume = pod.Volumes.SingleOrDefault(v => v.Name == mount.Name);
                Assert.True(volume is not null || templates.Contains(mount.Name), $"{where}: mount {mount.Name} has no volume");
                if (volume?.PersistentVolumeClaim is { } claim)
                    Assert.True(claims.Contains(claim.ClaimName), $"{where}: claim {claim.ClaimName} is in no manifest");
            }
            // Data and models read-only; the coordinator's job directory writable.
            foreach (var option in new[] { "--data-root", "--model" })
            {
                if (DeploymentFiles.Option(invocation, option) is { } path)
                    Assert.True(MountOf(path)!.ReadOnlyProperty == true, $"{where}: {option} {path} is not mounted read-only");
            }
            if (invocation.Args[0] == "build")
                Assert.NotEqual(true, MountOf(invocation.Args[1])!.ReadOnlyProperty);

            // The certificate: a file of the one Secret, by the same key, at the path --tls-cert names.
            var certificate = DeploymentFiles.Option(invocation, "--tls-cert");
            Assert.True(certificate is not null, $"{where}: no --tls-cert");
            var tlsMount = MountOf(certificate)!;
            var secret = pod.Volumes.Single(v => v.Name == tlsMount.Name).Secret;
            Assert.True(secret is not null, $"{where}: {certificate} is not from a Secret");
            var item = Assert.Single(secret.Items);
            Assert.Equal(certificate, $"{tlsMount.MountPath.TrimEnd('/')}/{item.Path}");
            secrets.Add((secret.SecretName, item.Key));

            // Metrics on the port the container, its annotations and (for the coordinator) the Service name.
            Assert.Equal("prometheus:0.0.0.0:9464", DeploymentFiles.Option(invocation, "--metrics"));
            Assert.Contains(container.Ports, p => p.Name == "metrics" && p.ContainerPort == 9464);
            // Probes use ports the container declares.
            foreach (var probe in new[] { container.ReadinessProbe, container.LivenessProbe }.OfType<V1Probe>())
            {
                var probePort = probe.TcpSocket?.Port.Value ?? probe.HttpGet?.Port.Value;
                Assert.Contains(container.Ports, p => p.Name == probePort || p.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture) == probePort);
            }
        }
        Assert.Equal([("stream-pipeline-tls", "cluster.pfx")], secrets);
        Assert.Contains(service.Spec.Ports, p => p.Port == 9464 && p.TargetPort.Value == "metrics");
        Assert.Equal("9464", coordinatorSet.Spec.Template.Metadata.Annotations["prometheus.io/port"]);
    }

    [Fact]
    public void Compose_nodes_use_tls_join_the_coordinators_name_and_port_and_are_all_scraped_by_prometheus()
    {
        var compose = ComposeFile.Parse("docker/compose.yaml", DeploymentFiles.Read("docker/compose.yaml"));
        var invocations = compose.Invocations().ToDictionary(i => i.Where["service ".Length..]);
        var coordinator = invocations["coordinator"];
        var nodes = invocations.Where(i => i.Value.Args[0] is "worker" || (i.Value.Args[0] is "build" && i.Value.Args.Contains("--serve"))).ToList();
        Assert.Equal(["coordinator", "worker", "worker-gpu"], nodes.Select(n => n.Key).Order());

        // Workers join the coordinator at the name it advertises (its host name) and the port it listens on.
        var port = DeploymentFiles.Option(coordinator, "--port");
        Assert.Equal("coordinator", compose.Services["coordinator"]["hostname"]);
        foreach (var (name, node) in nodes.Where(n => n.Value.Args[0] == "worker"))
            Assert.Equal($"coordinator:{port}", DeploymentFiles.Option(node, "--join"));

        // TLS by default: the cluster-cert service writes the certificate into the volume every node mounts read-only.
        var certificateMaker = invocations["cluster-cert"];
        var outFolder = DeploymentFiles.Option(certificateMaker, "--out")!;
        var written = Assert.Single(compose.Mounts("cluster-cert"), m => m.Target == outFolder);
        Assert.False(written.ReadOnly);
        foreach (var (name, node) in nodes)
        {
            Assert.DoesNotContain("--insecure", node.Args);
            Assert.Equal($"{outFolder}/cluster.pfx", DeploymentFiles.Option(node, "--tls-cert"));
            Assert.Contains(compose.Mounts(name), m => m == (written.Source, outFolder, true));
            var dependsOn = (Dictionary<object, object>)compose.Services[name]["depends_on"];
            Assert.Equal("service_completed_successfully", ((Dictionary<object, object>)dependsOn["cluster-cert"])["condition"]);
            Assert.Equal("prometheus:0.0.0.0:9464", DeploymentFiles.Option(node, "--metrics"));
        }

        // Prometheus looks up every node service by name (all replicas) on that port, and the single build's too.
        var prometheus = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(DeploymentFiles.Read("docker/observability/prometheus.yml"));
        var discovery = ((List<object>)prometheus["scrape_configs"]).Cast<Dictionary<object, object>>()
            .SelectMany(c => ((List<object>)c["dns_sd_configs"]).Cast<Dictionary<object, object>>()).ToList();
        var scraped = discovery.Where(d => (string)d["port"] == "9464" && (string)d["type"] == "A").SelectMany(d => ((List<object>)d["names"]).Cast<string>()).ToHashSet();
        Assert.Superset(nodes.Select(n => n.Key).Append("build").ToHashSet(), scraped);
    }
}
