#!/usr/bin/env bash
# Prepare a Debian 12 host (root) to deploy into local containers and to run the tests:
#   - podman (runc, rlimits this host allows), mmdebstrap, zstd
#   - a tool venv with pinned Ansible/Molecule/linters (requirements-dev.txt), and the
#     venvs of the OpenStack clients and of tempest the tests run (requirements-clients.txt,
#     requirements-tempest.txt; $OSAPI_CLIENTS, $OSAPI_TEMPEST)
#   - the local systemd image (scripts/build-image.sh; no registry needed)
#   - the collection made visible as osapi.wsgi (a link under .cache/collections)
# Idempotent; a second run takes seconds. Prints `export` lines to stdout for
# `eval "$(scripts/setup.sh --env)"`.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
# Machine-wide caches shared by every clone: tool venv, pip/apt downloads, rootfs.
export OSAPI_CACHE=${OSAPI_CACHE:-/var/cache/osapi-wsgi}
venv="$OSAPI_CACHE/venv-$(sha256sum "$repo/requirements-dev.txt" | cut -c1-12)"
clients="$OSAPI_CACHE/clients-$(sha256sum "$repo/requirements-clients.txt" | cut -c1-12)"
tempest="$OSAPI_CACHE/tempest-$(sha256sum "$repo/requirements-tempest.txt" | cut -c1-12)"

env_lines() {
  cat <<ENV
export OSAPI_CACHE=$OSAPI_CACHE
export CONTAINERS_CONF=$OSAPI_CACHE/containers.conf
export ANSIBLE_COLLECTIONS_PATH=$repo/.cache/collections
export PATH=$venv/bin:\$PATH
export VIRTUAL_ENV=$venv
export OSAPI_CLIENTS=$clients/bin
export OSAPI_TEMPEST=$tempest/bin
ENV
}
if [ "${1:-}" = "--env" ]; then env_lines; exit 0; fi

log() { printf '\n== %s\n' "$*" >&2; }
t0=$SECONDS

need=()
for cmd in podman runc mmdebstrap zstd; do command -v "$cmd" >/dev/null || need+=("$cmd"); done
if [ ${#need[@]} -gt 0 ] || ! dpkg -s python3-venv >/dev/null 2>&1; then
  log "installing host packages (missing: ${need[*]:-python3-venv})"
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q podman runc fuse-overlayfs slirp4netns \
    uidmap containernetworking-plugins mmdebstrap zstd python3-venv git >&2
fi

mkdir -p "$OSAPI_CACHE/pip" "$OSAPI_CACHE/wheelhouse" "$OSAPI_CACHE/image"
# apt's archive directory per container (apt locks it while it downloads, so containers
# that run at once cannot share one): the demo, the benchmark and every Molecule platform.
for name in osapi-demo osapi-bench osapi-speed $(sed -n 's/^  - name: \(osapi-[A-Za-z0-9_-]*\)$/\1/p' "$repo"/molecule/*/molecule.yml); do
  mkdir -p "$OSAPI_CACHE/apt/$name/partial"
done
# ...each seeded with hard links to every package any of them downloaded before
find "$OSAPI_CACHE/apt" -name '*.deb' -printf '%f %p\n' | sort -u -k1,1 | while read -r file path; do
  for dir in "$OSAPI_CACHE"/apt/osapi-*/; do [ -e "$dir$file" ] || ln "$path" "$dir$file" 2>/dev/null || true; done
done
# crun rejects this host's hybrid cgroups; podman's default rlimits exceed what it may set.
hard=$(ulimit -Hn); [ "$hard" = unlimited ] && hard=1048576
nofile=$(( hard < 65536 ? hard : 65536 ))
conf_new=$(mktemp "$OSAPI_CACHE/containers.conf.XXXXXX")  # setups may run at once
cat > "$conf_new" <<CONF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=32768:32768"]
[engine]
runtime = "runc"
CONF
chmod 0644 "$conf_new"; mv "$conf_new" "$OSAPI_CACHE/containers.conf"
export CONTAINERS_CONF="$OSAPI_CACHE/containers.conf"

# A venv from a requirements file, made once (a lock keeps setups running at once apart);
# the executable named last proves a complete install.
make_venv() {  # dir requirements-file executable
  [ -x "$1/bin/$3" ] && return 0
  (
    flock 9
    [ -x "$1/bin/$3" ] && exit 0
    log "creating the venv $1 from $(basename "$2")"
    rm -rf "$1"
    python3 -m venv "$1"
    "$1/bin/pip" install -q --upgrade pip >&2
    "$1/bin/pip" install -q -r "$2" >&2
  ) 9>"$1.lock"
}
make_venv "$venv" "$repo/requirements-dev.txt" molecule
make_venv "$clients" "$repo/requirements-clients.txt" openstack
make_venv "$tempest" "$repo/requirements-tempest.txt" tempest

log "building the test images (cached)"
# Debian 12 for every scenario, and each other release a scenario's platform names
# (image: localhost/osapi-wsgi-debian:<release>)
for release in bookworm $(grep -hoE 'osapi-wsgi-debian:[a-z]+$' "$repo"/molecule/*/molecule.yml | cut -d: -f2 | grep -vx bookworm | sort -u); do
  OSAPI_RELEASE=$release OSAPI_CACHE=$OSAPI_CACHE "$repo/scripts/build-image.sh" >&2
done
# the fuller image, only once a scenario opts in to it (scripts/build-full-image.sh)
if grep -qs 'osapi-wsgi-debian:bookworm-full' "$repo"/molecule/*/molecule.yml "$repo/.config/molecule/config.yml"; then
  OSAPI_CACHE=$OSAPI_CACHE "$repo/scripts/build-full-image.sh" >&2
fi

# ansible-test bootstraps pip in its venvs with a get-pip.py fetched from a host that
# cannot be reached here: give it a stand-in for the pip version it asks for.
pipver=$("$venv/bin/python" - <<'PY'
import pathlib, re, ansible_test
src = (pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py").read_text()
print(re.search(r"pip='([0-9.]+)'", src).group(1))
PY
)
mkdir -p "$HOME/.ansible/test/cache"
cp "$repo/scripts/ansible-test-get-pip.py" "$HOME/.ansible/test/cache/get_pip_${pipver//./_}.py"

mkdir -p "$repo/.cache/collections/ansible_collections/osapi"
ln -sfn "$repo" "$repo/.cache/collections/ansible_collections/osapi/wsgi"

log "setup done in $((SECONDS - t0))s"
env_lines
