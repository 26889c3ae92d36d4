#!/usr/bin/env bash
# Boots a VM from the disk build-image.sh made, on a copy-on-write overlay (the disk stays clean),
# with KVM, SSH forwarded to a free loopback port; waits until SSH answers as the login user.
#   molecule/vm/start.sh NAME   -> prints the SSH port; stop.sh NAME removes it all
# The serial console goes to $AIRDROPS_VM_DIR/NAME.log.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${AIRDROPS_VM_DIR:-$repo/.cache/vm}"
name="${1:?usage: start.sh NAME}"
user="${AIRDROPS_VM_USER:-debian}"
# KVM when it can run Debian's kernel. A host whose KVM is PVM (kvm_pvm: nested virtualisation
# without hardware support) boots only kernels built as PVM guests; Debian's hangs there after
# "Probing EDD", so such hosts emulate the CPU (TCG): the same VM, several times slower.
accel="${AIRDROPS_VM_ACCEL:-}"
if [[ -z "$accel" ]]; then
  if [[ -r /dev/kvm && -w /dev/kvm && ! -d /sys/module/kvm_pvm ]]; then accel=kvm; else accel=tcg,thread=multi; fi
fi
# Every CPU feature the emulator has (Polars' wheels need AVX2, FMA, BMI: qemu64 has none of them).
cpu=max
"$here/build-image.sh" >&2
"$here/stop.sh" "$name"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
qemu-img create -q -f qcow2 -b "$out/disk.qcow2" -F qcow2 "$out/$name.qcow2"
qemu-system-x86_64 -name "$name" -machine q35 -accel "$accel" -cpu "$cpu" -smp "${AIRDROPS_VM_CPUS:-2}" \
  -m "${AIRDROPS_VM_MEMORY:-2048}" -kernel "$out/vmlinuz" -initrd "$out/initrd.img" \
  -append "root=/dev/vda rw console=ttyS0 quiet" \
  -drive "file=$out/$name.qcow2,if=virtio,format=qcow2,cache=unsafe" \
  -netdev "user,id=net0,hostfwd=tcp:127.0.0.1:$port-:22" -device virtio-net-pci,netdev=net0 \
  -display none -serial "file:$out/$name.log" -daemonize -pidfile "$out/$name.pid"
echo "$port" >"$out/$name.port"
ssh_opts=(-i "$out/id_ed25519" -p "$port" -o BatchMode=yes -o ConnectTimeout=5
  -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR)
for _ in $(seq 1 60); do
  if ssh "${ssh_opts[@]}" "$user@127.0.0.1" true 2>/dev/null; then
    echo "$port"
    exit 0
  fi
  sleep 2
done
echo "start.sh: $name did not answer SSH on 127.0.0.1:$port within 2 minutes; its console:" >&2
tail -n 40 "$out/$name.log" >&2
exit 1
