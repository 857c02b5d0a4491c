#!/usr/bin/env bash
# Sets up everything on a fresh Debian 12 machine (Fashion-MNIST from Debian, NuGet restore, Release build) and runs the
# main job: the paper's experiment in its quick form. Re-running resumes where it stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/quick}
./scripts/install-packages.sh run
dotnet build src/StreamPipeline.Cli -c Release -nologo -v quiet
exec dotnet src/StreamPipeline.Cli/bin/Release/net10.0/stream-pipeline.dll experiment "$out" --quick
