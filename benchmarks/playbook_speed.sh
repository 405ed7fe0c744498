#!/usr/bin/env bash
# One command: set this host up and time the deploy playbook (benchmarks/playbook_speed.py):
# a fresh converge of keystone + placement into the container osapi-speed on 127.0.0.32,
# then an unchanged re-run; wall time, task counts and the slowest tasks.
#   bash benchmarks/playbook_speed.sh [--image IMAGE] [--reruns N] [-e ANSIBLE_X=VALUE] [--keep] [--json FILE]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
eval "$("$repo/scripts/setup.sh")"
if python "$repo/scripts/wheelhouse.py" keystone placement >&2; then export OSAPI_PIP_NO_INDEX=true; fi
exec python "$repo/benchmarks/playbook_speed.py" "$@"
