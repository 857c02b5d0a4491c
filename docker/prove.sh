#!/usr/bin/env bash
# Proves that docker/Dockerfile builds and runs and that docker/compose.yaml is valid and runs, on a Debian 12 machine
# with no container registry: a Docker engine from Debian (docker.io), local stand-ins for the two .NET base images
# (a debootstrapped Debian 12 plus this machine's own .NET install), then the image's --help, a tiny real job as the
# non-root user with host folders mounted, the compose file's `experiment` service on the smoke spec, and the compose
# cluster over TLS: its shards equal one process's, a worker without the certificate is refused, Prometheus (this
# machine's, in a container) scrapes the coordinator and every worker.
# Needs root, Debian's apt repository, and NuGet (the restore runs inside `docker build`). CI runs it (scripts/test.sh).
#
#   sudo docker/prove.sh            # about 6 minutes the first time on 2 busy cores (docker/README.md); then less,
#                                   # as stand-ins and build cache are reused
#
# PROVE_DIR (default /tmp/stream-pipeline-prove) holds the stand-in root file system, the job outputs and the log of
# timings. PROVE_PROJECT (default stream-pipeline-prove) names the compose project and the containers, and
# STREAM_PIPELINE_IMAGE (default stream-pipeline:prove) the image, so that two runs on one engine stay apart. DOCKER names the docker client (default: Debian's /usr/bin/docker, which matches Debian's engine and builds
# without the buildx plugin). The cluster part (coordinator + workers) runs only when the image has a `worker` command.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${PROVE_DIR:-/tmp/stream-pipeline-prove}
DOCKER=${DOCKER:-$( [ -x /usr/bin/docker ] && echo /usr/bin/docker || echo docker )}
image=${STREAM_PIPELINE_IMAGE:-stream-pipeline:prove}
project=${PROVE_PROJECT:-stream-pipeline-prove}
base_tag=local/debian-standin:bookworm
sdk_tag=local/dotnet-sdk-standin:10.0
runtime_tag=local/dotnet-runtime-standin:10.0
app_uid=1654 # the image's non-root user (docker/Dockerfile)
fmnist=/usr/share/datasets/fashion-mnist

say() { printf '\n== %s\n' "$*" >&2; }
fail() { printf 'prove: FAILED: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "run as root (installs packages, starts dockerd, debootstraps)"
mkdir -p "$work"
timings="$work/timings.txt"
: > "$timings"
# timed LABEL COMMAND...: runs the command and appends "LABEL: N s" to the timings.
timed() {
  local label=$1; shift
  local start=$SECONDS
  say "$label"
  "$@"
  printf '%-58s %5d s\n' "$label" $((SECONDS - start)) | tee -a "$timings" >&2
}

# --- 1. A Docker engine and Compose from Debian ------------------------------------------------------------------
install_tools() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  command -v prometheus >/dev/null && command -v promtool >/dev/null || missing+=(prometheus)
  [ -d "$fmnist" ] || missing+=(dataset-fashion-mnist)
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}
start_engine() {
  if "$DOCKER" info >/dev/null 2>&1; then return; fi
  # No systemd here: start dockerd by hand. Its bridge gets the host link's MTU, else TLS through a smaller-MTU
  # link stalls (NuGet restore inside the build).
  local dev mtu
  dev=$(ip route show default 2>/dev/null | awk '{for (i = 1; i < NF; i++) if ($i == "dev") print $(i + 1); exit}')
  mtu=$(cat "/sys/class/net/${dev:-eth0}/mtu" 2>/dev/null || echo 1500)
  nohup dockerd --mtu "$mtu" >"$work/dockerd.log" 2>&1 &
  echo $! >"$work/dockerd.pid"
  for _ in $(seq 60); do "$DOCKER" info >/dev/null 2>&1 && return; sleep 1; done
  fail "dockerd did not start; see $work/dockerd.log"
}
timed "engine: apt-get install docker.io debootstrap docker-compose prometheus" install_tools
timed "engine: start dockerd" start_engine

# --- 2. Stand-ins for mcr.microsoft.com/dotnet/sdk and /runtime ---------------------------------------------------
# The real images are Ubuntu 24.04 with .NET under /usr/share/dotnet, libicu, libssl, tzdata and CA certificates,
# running as root, without libgomp1; the stand-ins are Debian 12 with the same pieces, so the Dockerfile's own steps
# (apt-get install libgomp1, creating the app user) really run. Debian 12's older libstdc++ also exercises the
# TorchSharp native-library fix at publish time, which is a no-op on noble.
dotnet_root() {
  local base
  base=$(dotnet --info | awk -F': *' '/Base Path:/ {print $2; exit}') # .../dotnet/sdk/<version>/
  [ -n "$base" ] || fail "dotnet --info shows no SDK base path; install the .NET 10 SDK on this machine"
  (cd "$base/../.." && pwd)
}
make_standins() {
  if "$DOCKER" image inspect "$sdk_tag" "$runtime_tag" >/dev/null 2>&1; then echo "reusing $sdk_tag and $runtime_tag" >&2; return; fi
  local rootfs="$work/rootfs" root
  root=$(dotnet_root)
  if [ ! -x "$rootfs/usr/bin/apt-get" ]; then
    rm -rf "$rootfs"
    debootstrap --variant=minbase --include=ca-certificates,libicu72,libssl3,tzdata bookworm "$rootfs" \
      http://deb.debian.org/debian >"$work/debootstrap.log"
  fi
  # Trust what this machine trusts: a TLS-intercepting proxy's CA (if any) is needed for NuGet inside the build.
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
    chroot "$rootfs" update-ca-certificates >/dev/null 2>&1
  fi
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  ln -sfn /usr/share/dotnet/dotnet "$rootfs/usr/bin/dotnet"
  tar -C "$rootfs" -c . | "$DOCKER" import - "$base_tag" >/dev/null
  # SDK: the base plus this machine's whole .NET install; runtime: the base plus the muxer, hostfxr and the newest
  # .NET 10 runtime. Both laid out as in Microsoft's images (/usr/share/dotnet, /usr/bin/dotnet) in overlay folders of
  # hard links (no copy), each added to the imported base by a two-line build. NUGET_CERT_REVOCATION_MODE is carried
  # over from this machine (offline where the network reaches only NuGet's feed, not the certificate authorities).
  local runtime_dir overlay="$work/overlay"
  runtime_dir=$(cd "$root" && printf '%s\n' shared/Microsoft.NETCore.App/10.* | sort -V | tail -1)
  rm -rf "$overlay" && mkdir -p "$overlay/sdk/usr/share" "$overlay/runtime/usr/share/dotnet/shared/Microsoft.NETCore.App"
  local cp_links="cp -al"
  cp -al "$root/LICENSE.txt" "$overlay/probe" 2>/dev/null || cp_links="cp -a" # hard links only on one file system
  rm -f "$overlay/probe"
  $cp_links "$root" "$overlay/sdk/usr/share/dotnet"
  (cd "$root" && $cp_links dotnet host LICENSE.txt ThirdPartyNotices.txt "$overlay/runtime/usr/share/dotnet/" \
     && $cp_links "$runtime_dir" "$overlay/runtime/usr/share/dotnet/shared/Microsoft.NETCore.App/")
  local kind
  for kind in sdk runtime; do
    local tag=$sdk_tag; [ "$kind" = runtime ] && tag=$runtime_tag
    printf 'FROM %s\nCOPY usr/ /usr/\nENV DOTNET_ROOT=/usr/share/dotnet DOTNET_RUNNING_IN_CONTAINER=true%s\n' "$base_tag" \
        "${NUGET_CERT_REVOCATION_MODE:+ NUGET_CERT_REVOCATION_MODE=$NUGET_CERT_REVOCATION_MODE}" \
      | "$DOCKER" build -q -t "$tag" -f - "$overlay/$kind" >/dev/null
  done
  rm -rf "$overlay"
  "$DOCKER" run --rm "$runtime_tag" dotnet --list-runtimes | grep -q Microsoft.NETCore.App || fail "runtime stand-in has no .NET runtime"
  "$DOCKER" run --rm "$sdk_tag" dotnet --list-sdks | grep -q . || fail "SDK stand-in has no .NET SDK"
}
timed "stand-ins: debootstrap bookworm + host .NET, docker import" make_standins

# --- 3. The image -------------------------------------------------------------------------------------------------
build_image() {
  "$DOCKER" build -f "$repo/docker/Dockerfile" -t "$image" \
    --build-arg SDK_IMAGE="$sdk_tag" --build-arg RUNTIME_IMAGE="$runtime_tag" "$repo" >"$work/build.log" 2>&1 \
    || { tail -40 "$work/build.log" >&2; fail "docker build (log: $work/build.log)"; }
}
timed "image: docker build (restore from NuGet inside the build)" build_image
image_size=$("$DOCKER" image inspect -f '{{.Size}}' "$image")
printf '%-58s %5d MB\n' "image size ($image)" $((image_size / 1000000)) | tee -a "$timings" >&2

# --- 4. One real job in the image, as its non-root user, with host folders mounted -----------------------------------
# /data: this machine's Fashion-MNIST (Debian's dataset-fashion-mnist), read-only. /jobs: a host folder owned by the
# image's user, so the files written inside appear on the host.
jobs="$work/jobs"
run_help() {
  "$DOCKER" run --rm "$image" --help >"$work/help.txt"
  grep -q 'build' "$work/help.txt" || fail "--help does not list the build command"
  local uid
  uid=$("$DOCKER" run --rm --entrypoint id "$image" -u)
  [ "$uid" = "$app_uid" ] || fail "the image runs as uid $uid, not the non-root $app_uid"
}
tiny_job() {
  rm -rf "$jobs" && mkdir -p "$jobs" && chown "$app_uid:$app_uid" "$jobs"
  local run=("$DOCKER" run --rm -v "$fmnist:/data:ro" -v "$jobs:/jobs" "$image")
  "${run[@]}" train --data fashion-mnist:train --limit 256 --epochs 1 --model small-cnn --out /jobs/models/standard.ckpt
  "${run[@]}" build /jobs/det --construction det --model /jobs/models/standard.ckpt --data fashion-mnist:train \
    --data-root /data --limit 64 --steps 2 --metrics none
  for f in models/standard.ckpt det/job.conf det/manifest.json det/data/part-00000.parquet; do
    [ -s "$jobs/$f" ] || fail "$jobs/$f was not written"
    [ "$(stat -c %u "$jobs/$f")" = "$app_uid" ] || fail "$jobs/$f is not owned by uid $app_uid"
  done
  ls -l "$jobs/models" "$jobs/det" "$jobs/det/data" >&2
}
# `docker stop` sends SIGTERM to the program (PID 1 in the container): a build must stop cleanly with exit 143 and
# the same job directory must resume to completion.
stop_and_resume() {
  local name=$project-stop start=$SECONDS
  local mounts=(-v "$fmnist:/data:ro" -v "$jobs:/jobs")
  "$DOCKER" rm -f "$name" >/dev/null 2>&1 || true
  "$DOCKER" run -d --name "$name" "${mounts[@]}" "$image" build /jobs/resume --construction det \
    --model /jobs/models/standard.ckpt --data fashion-mnist:train --limit 256 --shard-size 16 --steps 5 --metrics none >/dev/null
  # A commit is one line in commits.log (folded into manifest.json on close), so the log shows the first done shard.
  until [ -s "$jobs/resume/commits.log" ] || grep -q '"status": "done"' "$jobs/resume/manifest.json" 2>/dev/null; do
    [ $((SECONDS - start)) -lt 300 ] || fail "no shard of the stop/resume job was done after 300 s"
    sleep 0.2
  done
  "$DOCKER" stop -t 60 "$name" >/dev/null
  local code
  code=$("$DOCKER" inspect -f '{{.State.ExitCode}}' "$name")
  "$DOCKER" logs "$name" 2>&1 | tail -1 >&2
  "$DOCKER" rm "$name" >/dev/null
  [ "$code" = 143 ] || fail "docker stop ended the build with exit $code, not 143 (terminated at a safe point, resumable)"
  local done_before
  done_before=$(grep -c '"status": "done"' "$jobs/resume/manifest.json")
  "$DOCKER" run --rm "${mounts[@]}" "$image" build /jobs/resume --metrics none
  local done_after
  done_after=$(grep -c '"status": "done"' "$jobs/resume/manifest.json")
  echo "stopped with $done_before of 16 shards done; resumed to $done_after" >&2
  if [ "$done_before" -ge 16 ] || [ "$done_after" -ne 16 ]; then
    fail "stop/resume: $done_before then $done_after of 16 shards done"
  fi
}
timed "run: --help, and the image's user is uid $app_uid" run_help
timed "run: train small-cnn on 256 images (1 epoch), build D_det of 64 (2 steps)" tiny_job
timed "run: docker stop a build of 256 (exit 143), resume it to 16 of 16 shards" stop_and_resume

# --- 5. The compose file -------------------------------------------------------------------------------------------
# Debian 12 has no Compose v2 plugin (`docker compose`); its docker-compose 1.29 reads the same file. The image built
# above is used as it is (STREAM_PIPELINE_IMAGE); nothing is pulled or rebuilt.
compose_dir="$work/compose"
compose() {
  STREAM_PIPELINE_IMAGE="$image" STREAM_PIPELINE_DATA="$fmnist" STREAM_PIPELINE_MODELS="$jobs/models" \
    STREAM_PIPELINE_JOBS="$compose_dir" docker-compose -p "$project" -f "$repo/docker/compose.yaml" "$@"
}
compose_config() {
  compose config -q
  compose --profile gpu --profile experiment --profile observability config -q
  local services
  services=$(compose --profile gpu --profile experiment --profile observability config --services | sort | tr '\n' ' ')
  [ "$services" = "cluster-cert coordinator experiment grafana prometheus worker worker-gpu " ] || fail "compose services are: $services"
  # The default project starts the coordinator and 2 workers; the GPU workers reserve NVIDIA devices.
  compose --profile gpu --profile observability config >"$work/compose-config.yaml"
  grep -q 'replicas: 2' "$work/compose-config.yaml" || fail "workers do not default to 2 replicas"
  grep -q 'driver: nvidia' "$work/compose-config.yaml" || fail "GPU workers reserve no NVIDIA device"
  # TLS by default: no node accepts plain TCP; coordinator, worker and worker-gpu hold the certificate once it is made.
  ! grep -q -- '--insecure' "$work/compose-config.yaml" || fail "a compose service still runs with --insecure"
  [ "$(grep -c -- '- /tls/cluster.pfx' "$work/compose-config.yaml")" = 3 ] || fail "not every node is given --tls-cert /tls/cluster.pfx"
  [ "$(grep -c 'condition: service_completed_successfully' "$work/compose-config.yaml")" = 3 ] || fail "not every node waits for the cluster-cert service"
  [ "$(grep -c -- '- prometheus:0.0.0.0:9464' "$work/compose-config.yaml")" = 3 ] || fail "not every node serves Prometheus metrics on :9464"
  if command -v promtool >/dev/null; then promtool check config "$repo/docker/observability/prometheus.yml" >&2; fi
}
compose_experiment() {
  rm -rf "$compose_dir" && mkdir -p "$compose_dir" && chown "$app_uid:$app_uid" "$compose_dir"
  # The service as defined (image, user, volumes, profile), with the minutes-long smoke spec instead of --quick.
  compose run --rm experiment experiment /jobs/smoke --spec /config/experiments/smoke.conf --data-root /data
  [ -s "$compose_dir/smoke/results.md" ] || fail "the experiment wrote no $compose_dir/smoke/results.md"
  # No STREAM_PIPELINE_USER: the service runs as the image's non-root user.
  [ "$(stat -c %u "$compose_dir/smoke/results.md")" = "$app_uid" ] || fail "the experiment service did not run as uid $app_uid"
  cat "$compose_dir/smoke/results.md" >&2
}
timed "compose: docker-compose config (all profiles; TLS, metrics)" compose_config
timed "compose: run the experiment service on config/experiments/smoke.conf" compose_experiment

# --- 6. The cluster: coordinator + 2 workers on a tiny job (once the program has the cluster commands) -------------
# (Output captured first: with pipefail, grep -q closing the pipe early would fail the check by SIGPIPE.)
has_cluster_commands() {
  local worker build
  worker=$("$DOCKER" run --rm "$image" worker --help 2>/dev/null || true)
  build=$("$DOCKER" run --rm "$image" build --help 2>/dev/null || true)
  grep -q -- '--join' <<<"$worker" && grep -q -- '--serve' <<<"$build"
}
# The job spec lives in the jobs folder (/jobs inside): 128 images in 4 shards, 150 PGD steps, the model from step 4.
tiny_shards=4
# 150 PGD steps: each worker perturbs for several seconds, so Prometheus (which finds a new replica within 5 s and scrapes
# every 2 s) takes at least two samples of its device time while it works, and the per-node panel's rate() has a value.
# At 2 steps a worker was done within a second of its start and was scraped once, at its end: no rate; at 40 steps
# (about 2 s of work each) one of the two still was.
write_tiny_spec() {
  cat >"$compose_dir/cluster-tiny.conf" <<'SPEC'
construction = det
model = "/models/standard.ckpt"
data = "fashion-mnist:train"
limit = 128
shard-size = 32
batch-size = 32
attack { steps = 150 }
SPEC
  chown "$app_uid:$app_uid" "$compose_dir/cluster-tiny.conf"
}
# All shards non-empty and a manifest in the jobs folder's cluster-det.
check_tiny_job() {
  local parts
  parts=$(find "$compose_dir/cluster-det/data" -name 'part-*.parquet' -size +0 2>/dev/null | wc -l)
  if [ ! -s "$compose_dir/cluster-det/manifest.json" ] || [ "$parts" -ne "$tiny_shards" ]; then
    fail "the build left $parts of $tiny_shards shards in $compose_dir/cluster-det"
  fi
}
# The same spec built by one process in the image, same batch size and one TorchSharp thread as the workers: every
# shard file must be byte-identical to the cluster's (SHA-256).
check_identical_to_one_process() {
  "$DOCKER" run --rm -e STREAM_PIPELINE_THREADS=1 -v "$fmnist:/data:ro" -v "$jobs/models:/models:ro" -v "$compose_dir:/jobs" \
    "$image" build /jobs/single-det --spec /jobs/cluster-tiny.conf --data-root /data --metrics none --quiet
  local cluster single
  cluster=$(cd "$compose_dir/cluster-det/data" && sha256sum part-*.parquet)
  single=$(cd "$compose_dir/single-det/data" && sha256sum part-*.parquet)
  printf 'cluster shards:\n%s\n' "$cluster" >&2
  [ "$cluster" = "$single" ] || { printf 'one process:\n%s\n' "$single" >&2; fail "the cluster's shards differ from a single-process build's"; }
  echo "the cluster's $tiny_shards shards are byte-identical to a single-process build's" >&2
}
# This machine's Prometheus (Debian's, only libc needed) in a container on the project's network, with
# docker/observability/prometheus.yml: it must find the coordinator and each worker replica by their service names.
prometheus_name="$project-prometheus"
start_prometheus() {
  "$DOCKER" rm -f "$prometheus_name" >/dev/null 2>&1 || true
  "$DOCKER" run -d --name "$prometheus_name" --network "${project}_default" \
    -v "$(command -v prometheus):/usr/local/bin/prometheus:ro" -v "$repo/docker/observability/prometheus.yml:/etc/prometheus/prometheus.yml:ro" \
    "$runtime_tag" prometheus --config.file=/etc/prometheus/prometheus.yml --storage.tsdb.path=/tmp/prometheus >/dev/null
}
# promtool query instant EXPR against that Prometheus, as a bare number (empty when no series).
prometheus_value() {
  local address
  address=$("$DOCKER" inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$prometheus_name")
  promtool query instant -o json "http://$address:9090" "$1" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r[0]["value"][1] if r else "")' \
    || true # no answer: the check below says what is missing
}
check_prometheus_scraped_every_node() {
  local instances nodes
  # Every target that was up at some point: the coordinator and the 2 worker replicas, found by their service names.
  instances=$(prometheus_value 'count(max_over_time(up{job="stream-pipeline"}[10m]) == 1)')
  # The dashboard's per-node panel (Device busy share), over the job, from series that carry their node: one per
  # worker that perturbed something (on 4 shards the first worker up may take them all, so 1 or 2).
  nodes=$(prometheus_value 'count(sum by (node, device) (rate(stream_pipeline_device_busy_time_seconds_total{node!=""}[10m])))')
  echo "Prometheus scraped $instances node(s); the per-node device panel has ${nodes:-no} series" >&2
  [ "$instances" = 3 ] || fail "Prometheus scraped ${instances:-no} node(s), not the coordinator and 2 workers ($prometheus_name's log: docker logs $prometheus_name)"
  [ -n "$nodes" ] && [ "$nodes" -ge 1 ] || fail "the dashboard's per-node device panel has no series with a node label"
}
# A worker without the cluster's certificate, on the project's network: it must never join and end with one line
# (here after 15 s instead of 5 min); the coordinator must name the refused connection once.
impostor_is_refused() {
  cat >"$compose_dir/impostor.conf" <<'CONF'
stream-pipeline.cluster { coordinator-timeout = 15s, reconnect-backoff-min = 1s, reconnect-backoff-max = 3s }
CONF
  local code=0
  "$DOCKER" run --rm --network "${project}_default" -v "$compose_dir/impostor.conf:/impostor.conf:ro" "$image" \
    worker --join coordinator:4053 --devices cpu --cluster-conf /impostor.conf >"$work/impostor.out" 2>"$work/impostor.err" || code=$?
  local last
  last=$(tail -n 1 "$work/impostor.err")
  echo "worker without the certificate: exit $code: $last" >&2
  [ "$code" -ne 0 ] || fail "a worker without the cluster's certificate exited 0"
  grep -q 'did not answer' <<<"$last" || fail "a worker without the cluster's certificate did not end with one line saying the coordinator did not answer"
  local said
  said=$(compose logs --no-color coordinator)
  local refused
  refused=$(grep -c 'refused a connection from .*it spoke plain TCP, not TLS' <<<"$said" || true)
  grep 'refused a connection' <<<"$said" >&2 || true
  [ "$refused" = 1 ] || fail "the coordinator named the refused connection $refused times, not once"
  ! grep -q ' alive, ' <<<"$said" || fail "a worker joined before the cluster's own workers started"
}
remove_cluster() {
  "$DOCKER" rm -f "$prometheus_name" >/dev/null 2>&1 || true
  compose down -v >/dev/null 2>&1 || true
}
compose_cluster() {
  write_tiny_spec
  export JOB=cluster-det JOB_SPEC=/jobs/cluster-tiny.conf MODEL=standard.ckpt WORKERS=2 STREAM_PIPELINE_THREADS=1
  remove_cluster # a fresh certificate: no cluster-tls volume of an earlier run
  trap remove_cluster EXIT # whatever fails below: no containers, network or volume left behind
  # The coordinator first (after the one-shot cluster-cert service), Prometheus next to it, then the impostor while
  # no worker holds a lease, then the project's workers: `up` names its services, as the cluster-cert service's
  # exit would otherwise end it (--abort-on-container-exit).
  compose up -d coordinator
  local start=$SECONDS
  until compose logs --no-color coordinator | grep -q 'coordinator listening on .* (TLS)'; do
    [ $((SECONDS - start)) -lt 120 ] || { compose logs --no-color >&2; fail "the coordinator did not listen with TLS within 120 s"; }
    sleep 1
  done
  start_prometheus
  impostor_is_refused
  # Not `up --abort-on-container-exit`: the first worker to exit would stop the other before its last scrape. Each node
  # ends by itself: the coordinator when every shard is committed, a worker once Prometheus scraped it after the job.
  compose up -d worker
  local coordinator_code worker_id worker_code
  coordinator_code=$(timeout 600 "$DOCKER" wait "$(compose ps -q coordinator)") || coordinator_code=timeout
  for worker_id in $(compose ps -q worker); do
    worker_code=$(timeout 120 "$DOCKER" wait "$worker_id") || { compose logs --no-color >&2; fail "worker $worker_id did not exit within 120 s of the job's end"; }
    [ "$worker_code" = 0 ] || { compose logs --no-color >&2; fail "worker $worker_id exited $worker_code"; }
  done
  compose logs --no-color coordinator worker >&2
  [ "$coordinator_code" = 0 ] || fail "the cluster build did not complete (the coordinator's exit: $coordinator_code)"
  check_prometheus_scraped_every_node
  remove_cluster
  trap - EXIT
  check_tiny_job
  check_identical_to_one_process
}
# Until then: the coordinator service as defined (user, /data and /models read-only, /jobs) runs the same job alone.
compose_coordinator_alone() {
  write_tiny_spec
  compose run --rm coordinator build /jobs/cluster-det --spec /jobs/cluster-tiny.conf --model /models/standard.ckpt \
    --data-root /data --metrics none
  check_tiny_job
}
if has_cluster_commands; then
  timed "compose: TLS cluster of 2 workers, D_det of 128 = one process" compose_cluster
else
  say "compose: the image has no 'worker' command or no 'build --serve' yet: the cluster itself is not run"
  echo "compose: cluster (coordinator + workers): not run, the program has no cluster commands yet" >>"$timings"
  timed "compose: the coordinator service alone builds D_det of 128 (4 shards)" compose_coordinator_alone
fi

say "timings (also in $timings)"
cat "$timings" >&2
