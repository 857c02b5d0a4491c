#!/usr/bin/env bash
# The README's two commands on a fresh Debian 12 machine that has only the .NET SDK: a container of prove.sh's SDK
# stand-in (a debootstrapped bookworm plus this machine's .NET install, nothing else: no NuGet cache, no apt packages
# beyond minbase), a clean clone of HEAD copied in, then ./scripts/quickstart.sh and ./scripts/test.sh as root. The
# Docker proof inside test.sh is left out (STREAM_PIPELINE_SKIP_DOCKER=1: it needs an engine of its own; CI runs it
# on the host). Extra arguments go to test.sh's `dotnet test`, e.g. --filter "FullyQualifiedName~PyTorch" for a
# short check; with none, every test runs (about as long as CI).
#
# Usage: sudo docker/fresh-machine.sh [DOTNET-TEST-ARGS...]   (needs the stand-in images: run docker/prove.sh once)
# Writes its log to $FRESH_DIR/fresh-machine.log (default /tmp/stream-pipeline-fresh) and exits with test.sh's code.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${FRESH_DIR:-/tmp/stream-pipeline-fresh}
DOCKER=${DOCKER:-docker}
sdk_tag=local/dotnet-sdk-standin:10.0
fail() { printf 'fresh-machine: FAILED: %s\n' "$*" >&2; exit 1; }

"$DOCKER" image inspect "$sdk_tag" >/dev/null 2>&1 || fail "no $sdk_tag image; run docker/prove.sh once (it makes the stand-ins)"
rm -rf "$work" && mkdir -p "$work"
git clone -q "$repo" "$work/repo"
# Only what a clone of the repository holds: no bin/obj, no runs, no local NuGet cache.
[ -z "$(git -C "$work/repo" status --porcelain)" ] || fail "the clone is not clean"

printf -v test_args ' %q' "$@"
script='set -euo pipefail
cd /repo
export DEBIAN_FRONTEND=noninteractive DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "== machine: $(. /etc/os-release; echo "$PRETTY_NAME"), dotnet $(dotnet --version), $(ls ~/.nuget/packages 2>/dev/null | wc -l) NuGet packages cached"
start=$SECONDS
dotnet restore StreamPipeline.sln
./scripts/quickstart.sh /tmp/quick
echo "== quickstart (restore, apt, build, experiment --quick): $((SECONDS - start)) s"
test -s /tmp/quick/results.md
start=$SECONDS
STREAM_PIPELINE_SKIP_DOCKER=1 ./scripts/test.sh'"$test_args"'
echo "== test.sh: $((SECONDS - start)) s"'

# The repository is copied into the container (not mounted), so nothing the run builds lands on this machine. No
# --privileged (an engine inside a container may refuse it): tests that mount a tmpfs or start slurmd need the
# capabilities a plain container lacks, so a full run here is not the same as on a machine; CI runs them on the host.
"$DOCKER" run --rm -e NUGET_CERT_REVOCATION_MODE -v "$work/repo:/src:ro" "$sdk_tag" \
  bash -c "cp -a /src /repo && $script" 2>&1 | tee "$work/fresh-machine.log"
