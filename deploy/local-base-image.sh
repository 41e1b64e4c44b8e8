#!/usr/bin/env bash
# Build localhost/python:3.11-slim from Debian packages, for machines that reach Debian's mirror
# but no container registry. It stands in for the public python:3.11-slim: Debian bookworm with
# its Python 3.11, `python` and `pip` on PATH, pip allowed to install into the system.
# The certificate authorities this machine adds (/usr/local/share/ca-certificates) go in too, so
# pip inside the build trusts what the host trusts (a proxy's CA, say).
#
#   deploy/local-base-image.sh [IMAGE]     # needs root, debootstrap and buildah
set -euo pipefail

IMAGE=${1:-localhost/python:3.11-slim}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if buildah inspect --type image "$IMAGE" >/dev/null 2>&1; then
  echo "base image $IMAGE exists"
  exit 0
fi

work=$(mktemp -d /var/tmp/refloop-base.XXXXXX)
container=""
cleanup() {
  [ -n "$container" ] && buildah rm "$container" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

rootfs="$work/rootfs"
echo "debootstrap bookworm into $rootfs"
debootstrap --variant=minbase --include=python3.11,python3.11-venv,python3-pip,ca-certificates \
  bookworm "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log"; exit 1; }

ln -sf python3 "$rootfs/usr/bin/python"
# The official image's pip installs into the system; Debian's marker would refuse it.
rm -f "$rootfs"/usr/lib/python3.*/EXTERNALLY-MANAGED
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
fi
chroot "$rootfs" update-ca-certificates >/dev/null
chroot "$rootfs" apt-get clean
rm -rf "$rootfs"/var/lib/apt/lists/*

tar -C "$rootfs" --numeric-owner -cf "$work/rootfs.tar" .
container=$(buildah from scratch)
buildah add "$container" "$work/rootfs.tar" / >/dev/null
buildah config --env LANG=C.UTF-8 --env PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin \
  --cmd python3 "$container"
buildah commit --quiet "$container" "$IMAGE" >/dev/null
echo "built base image $IMAGE"
