#!/usr/bin/env bash
# Is bench's bare loop the fastest PGD loop we know? Runs the plainest TorchSharp PGD loop (scripts/plain-pgd-loop:
# forward, cross-entropy, autograd.grad, L2 step and projection, nothing else) and the D_det construction that bench's
# bare loop and build's device workers run, at the same time, one process pinned to each CPU with one torch thread,
# then again with the CPUs swapped; same model, images, steps, transforms, heap tunables. Needs 2 CPUs and taskset.
#   scripts/plain-vs-bare.sh [ARCH [BATCH [STEPS [BATCHES [ROUNDS [TRANSFORMS]]]]]]   (default: small-cnn 256 20 8 3 all)
set -euo pipefail
cd "$(dirname "$0")/.."
arch=${1:-small-cnn} batch=${2:-256} steps=${3:-20} batches=${4:-8} rounds=${5:-3} transforms=${6:-all}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet build -c Release -v quiet -nologo scripts/plain-pgd-loop -o "$out/bin" >"$out/build.log" 2>&1 || { cat "$out/build.log" >&2; exit 1; }
# The native heap as the program sets it (src/StreamPipeline.Models/NativeHeap.cs), unless the caller set GLIBC_TUNABLES.
tunables=$(sed -n 's/.*Tunables =$//;/"glibc.malloc/{s/.*"\(glibc[^"]*\)".*/\1/p;q}' src/StreamPipeline.Models/NativeHeap.cs)
export GLIBC_TUNABLES=${GLIBC_TUNABLES:-$tunables}
echo "plain-vs-bare: $arch, batch $batch, $steps steps, $batches batches a round, $rounds rounds, transforms $transforms; GLIBC_TUNABLES=$GLIBC_TUNABLES; load $(cut -d' ' -f1-3 /proc/loadavg)"
for pass in 1 2; do
  if [ "$pass" = 1 ]; then plain_cpu=0 construction_cpu=1; else plain_cpu=1 construction_cpu=0; fi
  taskset -c "$plain_cpu" "$out/bin/PlainPgdLoop" plain "$arch" "$batch" "$steps" "$batches" "$rounds" "$transforms" >"$out/plain-$pass" &
  taskset -c "$construction_cpu" "$out/bin/PlainPgdLoop" construction "$arch" "$batch" "$steps" "$batches" "$rounds" "$transforms" >"$out/construction-$pass"
  wait
  sed "s/^/CPU $plain_cpu  /" "$out/plain-$pass"
  sed "s/^/CPU $construction_cpu  /" "$out/construction-$pass"
done
for loop in plain construction; do
  cat "$out/$loop-1" "$out/$loop-2" | sed -n 's/.*: \([0-9.]*\) img-PGD-steps per processor-second.*/\1/p' | sort -n |
    awk -v loop="$loop" '{v[NR]=$1} END {m = NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; printf "%-12s median %.1f img-PGD-steps per processor-second (%.1f-%.1f, %d rounds)\n", loop, m, v[1], v[NR], NR}'
done
