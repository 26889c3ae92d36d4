#!/usr/bin/env bash
# Builds the Debian 12 image with systemd that the molecule scenarios boot, once: no registry is
# needed, debootstrap fetches from Debian's mirror. Rebuild with FORCE=1.
set -euo pipefail
IMAGE="${MOLECULE_IMAGE:-localhost/airdrops-debian12:bookworm}"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$(cd "$(dirname "$0")" && pwd)/containers.conf}"
if [[ -z "${FORCE:-}" ]] && podman image exists "$IMAGE"; then
  exit 0
fi
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
echo "building $IMAGE with debootstrap (about 2 minutes, once)"
debootstrap --variant=minbase \
  --include=systemd,systemd-sysv,python3,python3-apt,sudo,acl,iproute2,procps,ca-certificates,gnupg \
  bookworm "$root" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >/dev/null
# Containers need no getty, and apt keeps what it downloads so a shared cache can serve the next run.
rm -f "$root"/etc/systemd/system/getty.target.wants/* "$root"/etc/apt/apt.conf.d/docker-clean
tar -C "$root" -c . | podman import --change 'CMD ["/sbin/init"]' - "$IMAGE" >/dev/null
echo "built $IMAGE"
