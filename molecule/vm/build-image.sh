#!/usr/bin/env bash
# Builds, once, the Debian 12 VM the `vm` scenario boots: a plain server as operators have one,
# reached over SSH as an unprivileged user with sudo. Everything comes from Debian's mirror:
# debootstrap with Debian's kernel, systemd, openssh-server, sudo and python3 (what Debian's cloud
# images carry; no acl, so become to another user must work without it), written to an ext4 disk
# with `mkfs.ext4 -d` (no loop mount, no bootloader: qemu boots the kernel and initrd kept beside it).
# Output in $AIRDROPS_VM_DIR (default .cache/vm): disk.qcow2, vmlinuz, initrd.img and the SSH key
# pair made for it (id_ed25519, never in the repository). Rebuild with FORCE=1.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
out="${AIRDROPS_VM_DIR:-$repo/.cache/vm}"
user="${AIRDROPS_VM_USER:-debian}"  # the login Debian's cloud images have
if [[ -z "${FORCE:-}" && -f "$out/disk.qcow2" && -f "$out/vmlinuz" && -f "$out/initrd.img" ]]; then
  exit 0
fi
mkdir -p "$out"
root="$(mktemp -d)"
trap 'rm -rf "$root" "$out/disk.raw"' EXIT
echo "building the Debian 12 VM disk with debootstrap (about 3 minutes, once)"
debootstrap --variant=minbase \
  --include=linux-image-amd64,systemd,systemd-sysv,udev,openssh-server,sudo,python3,ca-certificates,iproute2,procps,apt-utils \
  bookworm "$root" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >/dev/null

# Network: DHCP from qemu's user network on whatever the NIC is called; DNS is qemu's forwarder.
cat >"$root/etc/systemd/network/10-dhcp.network" <<'EOF'
[Match]
Name=en* eth*

[Network]
DHCP=ipv4
EOF
ln -sf /lib/systemd/system/systemd-networkd.service "$root/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
echo "nameserver 10.0.2.3" >"$root/etc/resolv.conf"
echo "airdrops-vm" >"$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 airdrops-vm\n' >"$root/etc/hosts"
echo "/dev/vda / ext4 defaults,errors=remount-ro 0 1" >"$root/etc/fstab"
# The console is the serial port (qemu's log); apt keeps what it downloads, as on the containers.
rm -f "$root"/etc/systemd/system/getty.target.wants/*

# The login: a user with an SSH key and passwordless sudo; root has no password and no SSH login.
if [[ ! -f "$out/id_ed25519" ]]; then
  ssh-keygen -q -t ed25519 -N "" -C "airdrops-vm" -f "$out/id_ed25519"
fi
chroot "$root" useradd --create-home --shell /bin/bash --groups sudo "$user"
install -d -m 0700 -o 1000 -g 1000 "$root/home/$user/.ssh"
install -m 0600 -o 1000 -g 1000 "$out/id_ed25519.pub" "$root/home/$user/.ssh/authorized_keys"
echo "$user ALL=(ALL:ALL) NOPASSWD: ALL" >"$root/etc/sudoers.d/$user"
chmod 0440 "$root/etc/sudoers.d/$user"
printf 'PermitRootLogin no\nPasswordAuthentication no\n' >"$root/etc/ssh/sshd_config.d/airdrops.conf"

rm -f "$root"/var/cache/apt/archives/*.deb  # what debootstrap downloaded: the disk needs none of it
cp -L "$root/vmlinuz" "$out/vmlinuz"
cp -L "$root/initrd.img" "$out/initrd.img"
chmod 0644 "$out/vmlinuz" "$out/initrd.img"
mkfs.ext4 -q -F -L root -d "$root" "$out/disk.raw" 8G
qemu-img convert -O qcow2 "$out/disk.raw" "$out/disk.qcow2"
echo "built $out/disk.qcow2"
