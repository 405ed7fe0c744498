#!/usr/bin/env bash
# Build the local Debian + systemd test image without any container registry.
#   scripts/build-image.sh [IMAGE]    (default: localhost/osapi-wsgi-debian:<release>)
#   OSAPI_RELEASE=trixie scripts/build-image.sh    Debian 13 (default: bookworm, Debian 12)
# The release's suites come from the host's apt sources, with the host's codename replaced.
# The rootfs tarball is cached (zstd) per release under $OSAPI_CACHE (default .cache/ in
# the repo) and reused until this script changes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
RELEASE=${OSAPI_RELEASE:-bookworm}
IMAGE=${1:-${OSAPI_IMAGE:-localhost/osapi-wsgi-debian:$RELEASE}}
CACHE=${OSAPI_CACHE:-$here/../.cache}
SOURCES=${SOURCES:-/etc/apt/sources.list.d/debian.sources}
stamp=$(sha256sum "$0" | cut -c1-12)
tar_zst="$CACHE/image/rootfs-$RELEASE-$stamp.tar.zst"

if podman image exists "$IMAGE" &&
   [ "$(podman image inspect -f '{{index .Labels "osapi.stamp"}}' "$IMAGE" 2>/dev/null)" = "$stamp" ]; then
  echo "image $IMAGE is up to date ($stamp)"; exit 0
fi
mkdir -p "$CACHE/image"
if [ ! -s "$tar_zst" ]; then
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
  # The host's extra CA certificates (TLS-intercepting proxies) go into the image so
  # pip and apt inside the containers trust the same authorities as the host.
  host_codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
  sed -E "s/\b$host_codename\b/$RELEASE/g" "$SOURCES" > "$work/sources"
  mkdir -p "$work/ca"; cp /usr/local/share/ca-certificates/*.crt "$work/ca/" 2>/dev/null || true
  mmdebstrap --variant=minbase --mode=root \
    --include=systemd,systemd-sysv,dbus,python3,python3-apt,python3-venv,sudo,ca-certificates,curl,iproute2,procps \
    --customize-hook="cp $work/ca/*.crt \"\$1/usr/local/share/ca-certificates/\" 2>/dev/null; chroot \"\$1\" update-ca-certificates >/dev/null" \
    --customize-hook='for f in /etc/apt/apt.conf.d/*; do grep -qiE "proxy|Check-Valid-Until" "$f" 2>/dev/null && cp "$f" "$1/etc/apt/apt.conf.d/"; done; true' \
    --customize-hook='rm -f "$1/etc/machine-id" "$1/var/lib/dbus/machine-id"; : > "$1/etc/machine-id"' \
    --customize-hook='chroot "$1" systemctl mask systemd-resolved.service systemd-timesyncd.service getty@tty1.service console-getty.service serial-getty@ttyS0.service systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket sys-kernel-config.mount sys-kernel-debug.mount sys-fs-fuse-connections.mount systemd-remount-fs.service >/dev/null 2>&1 || true' \
    --customize-hook='chroot "$1" apt-get clean; rm -rf "$1"/var/lib/apt/lists/*; mkdir -p "$1"/var/lib/apt/lists/partial' \
    "$RELEASE" "$work/rootfs.tar" "$work/sources"
  zstd -q -T0 "$work/rootfs.tar" -o "$tar_zst.tmp" && mv "$tar_zst.tmp" "$tar_zst"
fi
zstd -dc "$tar_zst" | podman import \
  --change 'CMD ["/lib/systemd/systemd"]' \
  --change 'ENV container=podman' \
  --change 'STOPSIGNAL SIGRTMIN+3' \
  --change "LABEL osapi.stamp=$stamp" \
  - "$IMAGE"
echo "built $IMAGE ($stamp)"
