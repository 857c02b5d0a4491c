#!/usr/bin/env bash
# Installs, from Debian's repository, what StreamPipeline needs on this machine and is not yet installed (as root, or
# through sudo). One list per purpose, the one place these lists live:
#
#   scripts/install-packages.sh run     # what `experiment` and the README's walk-through need (quickstart.sh)
#   scripts/install-packages.sh test    # everything scripts/test.sh runs: the tests and the proofs
#
# On another Linux, install the same things by hand (names are Debian 12's) or skip what you do not run.
set -euo pipefail

# run: Fashion-MNIST (the default data) and a TrueType font (the experiment's plots draw text with it).
run=(dataset-fashion-mnist fonts-dejavu-core)
# test: PyTorch 1.13 and dill for Debian's /usr/bin/python3 (the independent side of the model import/export tests),
# gcc and strace (fault injection into the real program: an LD_PRELOAD shim, strace -e inject), tmux (a real
# terminal for the live view's tests), Prometheus (scrapes a real build; promtool evaluates the dashboard's queries),
# a Docker engine, Compose and debootstrap (docker/prove.sh builds the image from local stand-in base images), Slurm and
# munge (a one-node Slurm started by the test runs deploy/slurm/stream-pipeline.sbatch), GNU time (counts a real
# build's page faults), OpenBLAS (bench --peer runs PyTorch with it beside the reference BLAS; installing it makes it
# the system's libblas.so.3 by update-alternatives, while bench picks each run's BLAS itself), iproute2 (`ip`: the
# cluster tests add loopback addresses; not in a minimal Debian).
test=("${run[@]}" python3-torch python3-dill gcc libc6-dev strace tmux prometheus curl docker.io docker-compose debootstrap
  slurm-wlm munge time libopenblas0-pthread iproute2)

case "${1:-}" in
  run) wanted=("${run[@]}") ;;
  test) wanted=("${test[@]}") ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
command -v apt-get >/dev/null || { echo "install-packages: no apt-get here; install by hand: ${missing[*]}" >&2; exit 2; }
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
echo "install-packages: apt-get install ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo_cmd apt-get update -qq
$sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
