#!/usr/bin/env bash
# Runs Debian's Prometheus against a real `stream-pipeline build --metrics prometheus:PORT` and shows that it scraped
# it: `up`, the stream_pipeline_* series it stored, and every PromQL expression of the Grafana dashboard
# (docker/observability/grafana/dashboards/stream-pipeline.json) evaluated by `promtool query instant`, each of which
# must return data. Not part of CI (it needs the prometheus package: apt-get install prometheus, ~330 MB).
#
#   ./scripts/prometheus-check.sh            # after: dotnet build StreamPipeline.sln -c Release
#
# The build is D_det on the first 4,000 Fashion-MNIST test images on one CPU worker, with injected faults (every 5th
# batch fails once, batches above 16 are split) so that the retry and split series exist too, from a small-cnn trained
# here for one epoch on 5,000 images.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in prometheus promtool python3 curl; do
  command -v "$tool" >/dev/null || { echo "prometheus-check: $tool not found (Debian: apt-get install prometheus curl python3)" >&2; exit 2; }
done
program=src/StreamPipeline.Cli/bin/Release/net10.0/stream-pipeline.dll
[ -f "$program" ] || { echo "prometheus-check: $program not built (dotnet build StreamPipeline.sln -c Release)" >&2; exit 2; }
sp() { dotnet "$program" "$@"; }

work=$(mktemp -d /tmp/sp-prometheus-check-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
metrics_port=$(free_port)
prom_port=$(free_port)
prom="http://127.0.0.1:$prom_port"

echo "== model: small-cnn, 1 epoch on 5,000 Fashion-MNIST images"
sp train --data fashion-mnist:train --limit 5000 --epochs 1 --out "$work/model.pt" --quiet

cat > "$work/job.conf" <<CONF
construction = det
model = "$work/model.pt"
data = "fashion-mnist:test"
limit = 4000
batch-size = 32
shard-size = 64
devices = ["cpu"]
attack { steps = 20 }
faults { fail-every-nth-batch = 5, oom-above-batch-size = 16 }
CONF
echo "== build with --metrics prometheus:$metrics_port"
# The program itself in the background (not the sp function, whose subshell would be $!), so signals reach it.
dotnet "$program" build "$work/job" --spec "$work/job.conf" --metrics "prometheus:$metrics_port" --quiet > "$work/build.out" 2> "$work/build.err" &
build_pid=$!
pids+=("$build_pid")

cat > "$work/prometheus.yml" <<CONF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: stream-pipeline
    static_configs:
      - targets: ["127.0.0.1:$metrics_port"]
CONF
promtool check config "$work/prometheus.yml"
prometheus --config.file "$work/prometheus.yml" --storage.tsdb.path "$work/tsdb" \
  --web.listen-address "127.0.0.1:$prom_port" > "$work/prometheus.log" 2>&1 &
pids+=("$!")

query() { curl -s "$prom/api/v1/query" --data-urlencode "query=$1" \
  | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null || true; }
# Wait until Prometheus has scraped a committed shard, then long enough for the 30 s rate windows below.
for _ in $(seq 1 300); do
  sleep 1
  [ -n "$(query 'sum(stream_pipeline_rows_written_total)')" ] && break
  kill -0 "$build_pid" 2>/dev/null || break
done
[ -n "$(query 'sum(stream_pipeline_rows_written_total)')" ] || {
  echo "prometheus-check: Prometheus saw no committed shard" >&2; cat "$work/build.err" "$work/prometheus.log" >&2; exit 1; }
sleep 30
kill -0 "$build_pid" 2>/dev/null || { echo "prometheus-check: the build ended before the queries; give it more work" >&2; exit 1; }

echo "== promtool query instant $prom 'up'"
promtool query instant "$prom" 'up'
echo "== stream_pipeline_* series Prometheus stored"
curl -s "$prom/api/v1/label/__name__/values" | python3 -c '
import json, sys
for name in json.load(sys.stdin)["data"]:
    if name.startswith("stream_pipeline_") or name == "target_info": print("  " + name)'
echo "== the dashboard's expressions (\$__rate_interval = 30s)"
failed=0
while IFS= read -r expr; do
  out=$(promtool query instant "$prom" "$expr" 2>&1) || true
  if [ -z "$out" ] || grep -qi "error" <<<"$out"; then
    echo "NO DATA  $expr"; echo "$out" | sed 's/^/         /'; failed=1
  else
    echo "ok       $expr"; echo "$out" | sed 's/^/         /'
  fi
done < <(python3 -c '
import json
d = json.load(open("docker/observability/grafana/dashboards/stream-pipeline.json"))
for p in d["panels"]:
    for t in p["targets"]:
        print(t["expr"].replace("$__rate_interval", "30s"))')

# The build has served its purpose: stop it as a service manager would (SIGTERM, handled like Ctrl-C: it stops at the
# next safe point and would resume). Not SIGINT: a non-interactive shell starts background jobs with SIGINT ignored.
kill -TERM "$build_pid"
wait "$build_pid" && status=0 || status=$?
[ "$status" = 130 ] || { echo "prometheus-check: the build exited with $status, not 130 (interrupted)" >&2; cat "$work/build.err" >&2; exit 1; }
echo "== build stopped after the queries (exit 130; resumable): $(tail -n 2 "$work/build.err" | tr '\n' ' ')"
[ "$failed" = 0 ] || { echo "prometheus-check: some expressions returned no data" >&2; exit 1; }
echo "prometheus-check: Prometheus $(prometheus --version 2>&1 | head -1 | awk '{print $3}') scraped the build; every dashboard expression returned data"
