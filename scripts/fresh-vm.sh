#!/usr/bin/env bash
# The README's two commands on a fresh Debian 12 machine that has only the .NET SDK: a KVM virtual machine booted from
# a debootstrapped bookworm (minbase, a kernel, systemd, git, and the libraries Microsoft's .NET package depends on),
# this machine's .NET install copied to /usr/share/dotnet as the Microsoft package lays it out, and a clean clone of
# HEAD. Inside it, as root: ./scripts/quickstart.sh, then ./scripts/test.sh — every test and the Docker proof, with the
# VM's own kernel and its own Docker engine (unlike docker/fresh-machine.sh, a container, where tmpfs mounts, slurmd and
# a nested engine lack capabilities). Nothing else is installed by hand; the NuGet cache starts empty.
#
# Besides Debian and .NET, the VM gets only this workplace's network settings: the apt sources and apt.conf of this
# machine, its local CA certificates (a TLS-intercepting proxy's) and NUGET_CERT_REVOCATION_MODE.
#
# Usage (root; needs /dev/kvm, qemu-system-x86 and debootstrap from Debian, ~25 GB free under $FRESH_VM_DIR):
#   scripts/fresh-vm.sh                 # whole run: about as long as quickstart + CI, on 2 virtual CPUs
#   FRESH_VM_TEST_ARGS='--filter FullyQualifiedName~PyTorch' STREAM_PIPELINE_SKIP_DOCKER=1 scripts/fresh-vm.sh  # short check
# Writes $FRESH_VM_DIR/run.log (the two commands' output; default dir /tmp/stream-pipeline-vm) and exits with
# test.sh's code (quickstart's if that failed). The debootstrapped root is kept and reused; the disk image is not.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${FRESH_VM_DIR:-/tmp/stream-pipeline-vm}
memory=${FRESH_VM_MEMORY:-14G}
disk_size=${FRESH_VM_DISK:-48G}
fail() { printf 'fresh-vm: FAILED: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run as root (debootstrap, chroot)"
[ -w /dev/kvm ] || fail "no usable /dev/kvm: this needs hardware virtualisation"
for tool in qemu-system-x86_64 debootstrap mkfs.ext4 git; do
  command -v "$tool" >/dev/null || fail "$tool not found (apt-get install qemu-system-x86 debootstrap e2fsprogs git)"
done
dotnet_root=$(dotnet --info | awk -F': *' '/Base Path:/ {print $2; exit}')
[ -n "$dotnet_root" ] || fail "dotnet --info shows no SDK; install the .NET 10 SDK on this machine"
dotnet_root=$(cd "$dotnet_root/../.." && pwd)
mkdir -p "$work"

# --- 1. The machine: Debian 12 minbase, bootable, with .NET as Microsoft's package installs it ---------------------
base="$work/base"
if [ ! -e "$base/.complete" ]; then
  rm -rf "$base"
  echo "fresh-vm: debootstrap bookworm into $base" >&2
  # libicu72 libssl3 tzdata ca-certificates: what Microsoft's dotnet-sdk-10.0 package pulls in on Debian 12.
  debootstrap --variant=minbase \
    --include=linux-image-amd64,systemd-sysv,udev,kmod,git,ca-certificates,libicu72,libssl3,tzdata \
    bookworm "$base" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
    || fail "debootstrap failed; see $work/debootstrap.log"
  touch "$base/.complete"
fi
root="$work/root"
rm -rf "$root" && cp -a "$base" "$root" && rm -f "$root/.complete"
cp /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/" 2>/dev/null && rm -f "$root/etc/apt/sources.list"
cp /etc/apt/apt.conf.d/99artifact-registry "$root/etc/apt/apt.conf.d/" 2>/dev/null || true
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null 2>&1
fi
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
cp -a "$dotnet_root" "$root/usr/share/dotnet"
ln -sfn /usr/share/dotnet/dotnet "$root/usr/bin/dotnet"
echo stream-pipeline-vm >"$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 stream-pipeline-vm\n' >"$root/etc/hosts"
printf '/dev/vda / ext4 defaults 0 1\n' >"$root/etc/fstab"
printf 'nameserver 10.0.2.3\n' >"$root/etc/resolv.conf" # qemu's user network answers DNS there
mkdir -p "$root/etc/systemd/network"
printf '[Match]\nName=en* eth*\n[Network]\nDHCP=yes\n' >"$root/etc/systemd/network/80-dhcp.network"
chroot "$root" systemctl enable systemd-networkd systemd-networkd-wait-online >/dev/null 2>&1

# --- 2. What runs at boot: the README's two commands, output on the second serial port, then power off ------------
git clone -q "$repo" "$root/root/stream-pipeline"
[ -z "$(git -C "$root/root/stream-pipeline" status --porcelain)" ] || fail "the clone is not clean"
cat >"$root/root/fresh-run.sh" <<EOF
#!/bin/bash
exec >/dev/ttyS1 2>&1
set -u
export HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 NUGET_CERT_REVOCATION_MODE=${NUGET_CERT_REVOCATION_MODE:-online}
${STREAM_PIPELINE_SKIP_DOCKER:+export STREAM_PIPELINE_SKIP_DOCKER=1}
cd /root/stream-pipeline
echo "== machine: \$(. /etc/os-release; echo "\$PRETTY_NAME"), kernel \$(uname -r), \$(nproc) CPUs, \$(free -g | awk '/Mem:/ {print \$2}') GiB, dotnet \$(dotnet --version), \$(ls ~/.nuget/packages 2>/dev/null | wc -l) NuGet packages cached, \$(dpkg-query -W -f='\${Status}\n' | grep -c 'install ok installed') Debian packages"
start=\$SECONDS
./scripts/quickstart.sh
rc=\$?
echo "== quickstart.sh: exit \$rc, \$((SECONDS - start)) s"
if [ \$rc -eq 0 ]; then
  start=\$SECONDS
  ./scripts/test.sh ${FRESH_VM_TEST_ARGS:-}
  rc=\$?
  echo "== test.sh: exit \$rc, \$((SECONDS - start)) s"
fi
echo "== fresh-vm exit \$rc"
sync
systemctl poweroff
EOF
chmod +x "$root/root/fresh-run.sh"
cat >"$root/etc/systemd/system/fresh-run.service" <<'EOF'
[Unit]
Description=The README's two commands
Wants=network-online.target
After=network-online.target
[Service]
Type=oneshot
ExecStart=/root/fresh-run.sh
TimeoutStartSec=infinity
[Install]
WantedBy=multi-user.target
EOF
chroot "$root" systemctl enable fresh-run.service >/dev/null 2>&1

# --- 3. Disk image and boot ----------------------------------------------------------------------------------------
kernel=$(ls "$root"/boot/vmlinuz-* | sort -V | tail -1)
initrd=$(ls "$root"/boot/initrd.img-* | sort -V | tail -1)
cp "$kernel" "$work/vmlinuz" && cp "$initrd" "$work/initrd.img"
rm -f "$work/disk.img"
truncate -s "$disk_size" "$work/disk.img"
mkfs.ext4 -q -F -d "$root" "$work/disk.img" || fail "mkfs.ext4 -d failed"
rm -rf "$root"
: >"$work/run.log"
echo "fresh-vm: booting (2 CPUs, $memory); the run's output goes to $work/run.log, the console to $work/console.log" >&2
qemu-system-x86_64 -accel kvm -cpu host -smp 2 -m "$memory" -display none -monitor none -no-reboot \
  -kernel "$work/vmlinuz" -initrd "$work/initrd.img" -append "root=/dev/vda rw console=ttyS0 net.ifnames=0" \
  -drive "file=$work/disk.img,format=raw,if=virtio" -netdev user,id=n0 -device virtio-net-pci,netdev=n0 \
  -serial "file:$work/console.log" -serial "file:$work/run.log" &
qemu=$!
tail -n +1 -f "$work/run.log" --pid "$qemu" &
wait "$qemu" || true
sleep 1
rm -f "$work/disk.img"
rc=$(awk '/^== fresh-vm exit/ {print $4}' "$work/run.log" | tail -1)
[ -n "$rc" ] || fail "the VM stopped without finishing; see $work/console.log and $work/run.log"
exit "$rc"
