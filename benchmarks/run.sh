#!/usr/bin/env bash
# One command: set this host up and run the serving-stack benchmark (benchmarks/bench.py).
#   bash benchmarks/run.sh [--rounds 5] [--duration 10] [--rows defaults,devstack,...] [--variant NAME:JSON] [--json FILE]
# Deploys into its own container osapi-bench on 127.0.0.31 (removed at the end unless --keep).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
eval "$("$repo/scripts/setup.sh")"
command -v wrk >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >&2
if python "$repo/scripts/wheelhouse.py" keystone placement; then
  # the memcached clients of the cache rows (pymemcache, bmemcached: pure Python; pylibmc:
  # a manylinux wheel for the benchmark's Debian 12 Python, libmemcached inside)
  for req in pymemcache python-binary-memcached uhashring pylibmc; do
    found=false
    for wheel in "$OSAPI_CACHE/wheelhouse/"*; do
      case "${wheel##*/}" in "${req//-/_}"-*) found=true; break ;; esac
    done
    $found ||
      pip download -q --no-deps --only-binary=:all: -d "$OSAPI_CACHE/wheelhouse" "$req" >&2
  done
  export OSAPI_PIP_NO_INDEX=true
fi
exec python "$repo/benchmarks/bench.py" "$@"
