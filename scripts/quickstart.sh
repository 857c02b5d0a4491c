#!/usr/bin/env bash
# Sets up everything on a fresh Debian 12 machine (Fashion-MNIST from Debian, NuGet restore, Release build) and runs the
# main job: the paper's experiment in its quick form. Re-running resumes where it stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/quick}
# fonts-dejavu-core: the report's plots draw their text with a TrueType font.
if [ ! -d /usr/share/datasets/fashion-mnist ] || [ ! -d /usr/share/fonts/truetype/dejavu ]; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq dataset-fashion-mnist fonts-dejavu-core
fi
dotnet build src/StreamPipeline.Cli -c Release -nologo -v quiet
exec dotnet src/StreamPipeline.Cli/bin/Release/net10.0/stream-pipeline.dll experiment "$out" --quick
