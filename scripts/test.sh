#!/usr/bin/env bash
# The README's test command, and all that CI runs after `dotnet restore`: installs from Debian what the tests need
# (scripts/install-packages.sh test; root or sudo), runs every test project, then proves the Docker image
# (docker/prove.sh: builds it, runs a job in it as its non-root user, stop and resume, the compose cluster's shards
# byte-identical to a single-process build). Prints how long each part took and a closing line
# "tests: N passed, N failed, N skipped; docker: passed|FAILED|SKIPPED". Exit 0 only when every part passed.
#
# Arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~Cluster" to run a part); CI passes none.
# STREAM_PIPELINE_SKIP_DOCKER=1 leaves the Docker proof out (for a machine that cannot run a Docker engine); the
# closing line then says SKIPPED and the exit code stays 0 only if the tests passed. CI never sets it.
set -uo pipefail
cd "$(dirname "$0")/.."
timings=()
timed_part() { timings+=("$(printf '%-34s %5d s' "$1" "$2")"); }

start=$SECONDS
if ! ./scripts/install-packages.sh test; then
  echo "tests: not run: the Debian packages the tests need could not be installed" >&2
  exit 2
fi
timed_part "packages (apt-get)" $((SECONDS - start))

start=$SECONDS
log=$(mktemp)
dotnet test StreamPipeline.sln -c Release --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log" | grep -vE '^\s+Passed '
test_status=${PIPESTATUS[0]}
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -oE 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
# The failed tests' names again at the end, where a CI log's tail shows them.
failed_names=$(grep -E '^\s+Failed [A-Za-z_]' "$log" | sed -E 's/^\s+Failed //; s/ \[[^]]*\]$//' | sort -u)
rm -f "$log"
timed_part "dotnet test (build + every test)" $((SECONDS - start))

docker_status=0
if [ "${STREAM_PIPELINE_SKIP_DOCKER:-}" = 1 ]; then
  docker_result=SKIPPED
else
  start=$SECONDS
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd env PROVE_DIR="${PROVE_DIR:-/tmp/stream-pipeline-prove}" docker/prove.sh
  docker_status=$?
  docker_result=$([ "$docker_status" -eq 0 ] && echo passed || echo FAILED)
  timed_part "docker/prove.sh (image, compose)" $((SECONDS - start))
fi

echo
echo "time per part:"
printf '  %s\n' "${timings[@]}"
[ -z "$failed_names" ] || { echo "failed tests:"; sed 's/^/  /' <<<"$failed_names"; }
echo "tests: $passed passed, $failed failed, $skipped skipped; docker: $docker_result"
[ "$test_status" -eq 0 ] || exit "$test_status"
exit "$docker_status"
