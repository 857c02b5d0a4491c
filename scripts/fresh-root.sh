#!/usr/bin/env bash
# The README's two commands on a fresh Debian 12 machine that has only the .NET SDK: a root file system debootstrapped
# from Debian 12 (minbase, a kernel and systemd as a machine has, git to clone with, and the libraries Microsoft's .NET
# package depends on), this machine's .NET install copied to /usr/share/dotnet as the Microsoft package lays it out, and
# a clean clone of HEAD. It runs as root in that file system (chroot) in its own mount and PID namespaces, on this
# machine's kernel and network: ./scripts/quickstart.sh, then ./scripts/test.sh — every test and the Docker proof,
# with the Docker engine, Slurm and munge that test.sh itself installs and starts there. Nothing else is installed by
# hand; the NuGet cache starts empty. Unlike a container, it gives tmpfs mounts, slurmd and a Docker engine the
# capabilities they need. (A virtual machine would be closer still; on this workplace's VMs, under gVisor, nested KVM
# hangs at kernel entry and software emulation is far too slow for the test suite.)
#
# Besides Debian and .NET, the root gets only this workplace's network settings: the apt sources and apt.conf of this
# machine, its local CA certificates (a TLS-intercepting proxy's), /etc/resolv.conf and NUGET_CERT_REVOCATION_MODE.
# No Docker engine may run on this machine meanwhile (the root's own engine takes the bridge and iptables chains).
#
# Usage (root; needs debootstrap from Debian and ~25 GB free under $FRESH_ROOT_DIR):
#   scripts/fresh-root.sh               # the whole run: about as long as quickstart plus CI
#   FRESH_TEST_ARGS='--filter FullyQualifiedName~PyTorch' STREAM_PIPELINE_SKIP_DOCKER=1 scripts/fresh-root.sh  # short
# Writes $FRESH_ROOT_DIR/run.log (default dir /tmp/stream-pipeline-fresh-root) and exits with test.sh's code
# (quickstart's if that failed). The debootstrapped base is kept and reused; the root made from it is removed
# (FRESH_KEEP_ROOT=1 keeps it).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${FRESH_ROOT_DIR:-/tmp/stream-pipeline-fresh-root}
fail() { printf 'fresh-root: FAILED: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run as root (debootstrap, chroot, mounts)"
for tool in debootstrap unshare chroot git; do
  command -v "$tool" >/dev/null || fail "$tool not found (apt-get install debootstrap util-linux coreutils git)"
done
if pgrep -x dockerd >/dev/null; then fail "a Docker engine runs on this machine; stop it first (the fresh root starts its own)"; fi
dotnet_root=$(dotnet --info | awk -F': *' '/Base Path:/ {print $2; exit}')
[ -n "$dotnet_root" ] || fail "dotnet --info shows no SDK; install the .NET 10 SDK on this machine"
dotnet_root=$(cd "$dotnet_root/../.." && pwd)
mkdir -p "$work"
# Nothing may stay mounted under the root before it is removed (a mount namespace does not hold everything back on
# every kernel: gVisor let the tmpfs on /run through); rm never crosses into another file system.
root="$work/root"
unmount_all() {
  local target
  for target in $(awk -v r="$root/" 'index($2 "/", r) == 1 {print $2}' /proc/mounts | sort -r); do
    umount -l "$target" || return 1
  done
}
remove_root() {
  unmount_all || fail "could not unmount everything under $root; remove it by hand"
  if awk -v r="$root/" 'index($2 "/", r) == 1 {found = 1} END {exit !found}' /proc/mounts; then
    fail "something is still mounted under $root; not removing it"
  fi
  rm -rf --one-file-system "$root"
}

# --- 1. The machine: Debian 12 minbase with .NET as Microsoft's package installs it ---------------------------------
base="$work/base"
if [ ! -e "$base/.complete" ]; then
  rm -rf "$base"
  echo "fresh-root: debootstrap bookworm into $base" >&2
  # libicu72 libssl3 tzdata ca-certificates: what Microsoft's dotnet-sdk-10.0 package pulls in on Debian 12.
  debootstrap --variant=minbase \
    --include=linux-image-amd64,systemd-sysv,udev,kmod,git,ca-certificates,libicu72,libssl3,tzdata \
    bookworm "$base" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
    || fail "debootstrap failed; see $work/debootstrap.log"
  touch "$base/.complete"
fi
remove_root
cp -a "$base" "$root" && rm -f "$root/.complete"
if compgen -G '/etc/apt/sources.list.d/*.sources' >/dev/null; then
  cp /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/" && rm -f "$root/etc/apt/sources.list"
fi
cp /etc/apt/apt.conf.d/99artifact-registry "$root/etc/apt/apt.conf.d/" 2>/dev/null || true
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null 2>&1
fi
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
cp -a "$dotnet_root" "$root/usr/share/dotnet"
ln -sfn /usr/share/dotnet/dotnet "$root/usr/bin/dotnet"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# As Debian's installer writes it: the machine resolves its own name (the chroot shares this machine's hostname).
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' "$(hostname)" >"$root/etc/hosts"

# --- 2. The README's two commands, as root in the fresh root --------------------------------------------------------
git clone -q "$repo" "$root/root/stream-pipeline"
[ -z "$(git -C "$root/root/stream-pipeline" status --porcelain)" ] || fail "the clone is not clean"
{
  echo '#!/bin/bash'
  echo 'set -u'
  echo 'export HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8'
  echo "export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 NUGET_CERT_REVOCATION_MODE=${NUGET_CERT_REVOCATION_MODE:-online}"
  [ -n "${STREAM_PIPELINE_SKIP_DOCKER:-}" ] && echo 'export STREAM_PIPELINE_SKIP_DOCKER=1'
  cat <<'RUN'
cd /root/stream-pipeline
echo "== machine: $(. /etc/os-release; echo "$PRETTY_NAME"), $(nproc) CPUs, dotnet $(dotnet --version), $(ls ~/.nuget/packages 2>/dev/null | wc -l) NuGet packages cached, $(dpkg-query -W -f='${Status}\n' | grep -c 'install ok installed') Debian packages installed"
start=$SECONDS
./scripts/quickstart.sh
rc=$?
echo "== quickstart.sh: exit $rc, $((SECONDS - start)) s"
if [ $rc -eq 0 ]; then
  start=$SECONDS
  ./scripts/test.sh $FRESH_TEST_ARGS
  rc=$?
  echo "== test.sh: exit $rc, $((SECONDS - start)) s"
fi
echo "== fresh-root exit $rc"
RUN
} >"$root/root/fresh-run.sh"
chmod +x "$root/root/fresh-run.sh"

# --- 3. Run it: own mount and PID namespaces (whatever it starts ends with it), /proc, /sys and /dev as a machine has --
echo "fresh-root: running the README's two commands in $root; output also in $work/run.log" >&2
set +e
FRESH_TEST_ARGS=${FRESH_TEST_ARGS:-} unshare --mount --pid --fork bash -c '
  set -e
  root=$1
  mount --make-rprivate /
  mount --bind "$root" "$root"
  mount -t proc proc "$root/proc"
  mount --rbind /sys "$root/sys"
  mount --rbind /dev "$root/dev"
  mount -t tmpfs -o mode=755 tmpfs "$root/run"
  exec env -i TERM=dumb FRESH_TEST_ARGS="$FRESH_TEST_ARGS" PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$root" /root/fresh-run.sh' fresh-root "$root" 2>&1 | tee "$work/run.log"
set -e
rc=$(awk '/^== fresh-root exit/ {print $4}' "$work/run.log" | tail -1)
[ -n "$rc" ] || fail "the run stopped without finishing; see $work/run.log"
[ -n "${FRESH_KEEP_ROOT:-}" ] || remove_root
exit "$rc"
