#!/usr/bin/env bash
# Build the fuller test image localhost/osapi-wsgi-debian:bookworm-full, opt-in per scenario
# (`image:` in its molecule.yml): the bare image of scripts/build-image.sh plus FULL_PACKAGES,
# installed but disabled, with fresh apt lists. A scenario on it spends no time in apt-get
# install; scenarios on the bare image keep testing an install on a fresh Debian host.
# Rebuilt when this script or the bare image changes. Runs as root (podman commit).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
CACHE=${OSAPI_CACHE:-$here/../.cache}
BARE=localhost/osapi-wsgi-debian:bookworm
FULL=localhost/osapi-wsgi-debian:bookworm-full
# Everything the engine installs in any mode (roles/osapi_wsgi/vars/Debian.yml: base, uwsgi,
# mod_wsgi), HAProxy, and the backing services of the test hosts (MariaDB, PostgreSQL, Redis,
# memcached, RabbitMQ).
FULL_PACKAGES=(apache2 python3-venv python3-packaging ca-certificates uwsgi-core uwsgi-plugin-python3
  libapache2-mod-wsgi-py3 haproxy mariadb-server python3-pymysql postgresql python3-psycopg2
  redis-server memcached rabbitmq-server)
# Host network: none of them may start on its default port when a container boots.
FULL_SERVICES=(apache2 apache-htcacheclean haproxy mariadb postgresql redis-server memcached rabbitmq-server)

mkdir -p "$CACHE/image"
exec 9>"$CACHE/image/full.lock"
flock 9  # one build at a time on this machine (the builder container has a fixed name)
"$here/build-image.sh" "$BARE"
stamp="$(sha256sum "$0" | cut -c1-12)-$(podman image inspect -f '{{index .Labels "osapi.stamp"}}' "$BARE")"
if podman image exists "$FULL" &&
   [ "$(podman image inspect -f '{{index .Labels "osapi.stamp"}}' "$FULL" 2>/dev/null)" = "$stamp" ]; then
  echo "image $FULL is up to date ($stamp)"; exit 0
fi
t0=$SECONDS
builder=osapi-image-build
mkdir -p "$CACHE/apt/$builder/partial"
podman rm -f -t 0 "$builder" >/dev/null 2>&1 || true
trap 'podman rm -f -t 0 "$builder" >/dev/null 2>&1 || true' EXIT
podman run -d --name "$builder" --network host -v "$CACHE/apt/$builder:/var/cache/apt/archives" \
  "$BARE" sleep infinity >/dev/null
# policy-rc.d: nothing starts while it is installed; then every service is disabled
podman exec -e DEBIAN_FRONTEND=noninteractive "$builder" sh -euc '
  printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d; chmod 0755 /usr/sbin/policy-rc.d
  apt-get update -q
  apt-get install -y -q "$@"
  rm -f /usr/sbin/policy-rc.d' sh "${FULL_PACKAGES[@]}" >&2
podman exec "$builder" systemctl disable "${FULL_SERVICES[@]}" >&2
podman commit -q \
  --change 'CMD ["/lib/systemd/systemd"]' \
  --change 'STOPSIGNAL SIGRTMIN+3' \
  --change "LABEL osapi.stamp=$stamp" \
  "$builder" "$FULL" >/dev/null
echo "built $FULL ($stamp) in $((SECONDS - t0))s"
