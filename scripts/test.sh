#!/usr/bin/env bash
# One command: set up this host and run the whole test suite.
#   scripts/test.sh                 every stage
#   scripts/test.sh unit uwsgi      only the named stages
#   scripts/test.sh catalog         only the catalog scenario (every service, about 20 min)
# Stages: lint build sanity unit, then one per Molecule scenario (SCENARIOS below).
# Every stage runs even after a failure; the exit code is non-zero if any failed.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
SCENARIOS=(uwsgi mod_wsgi eventlet mode_switch multinode catalog)
STAGES=(lint build sanity unit "${SCENARIOS[@]}")
[ $# -gt 0 ] && STAGES=("$@")

t_setup=$SECONDS
if ! env_lines=$("$repo/scripts/setup.sh"); then echo "setup failed" >&2; exit 1; fi
eval "$env_lines"
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 NO_COLOR=1 ANSIBLE_NOCOLOR=1
logdir="$repo/.cache/test-logs"; mkdir -p "$logdir"
echo "setup: $((SECONDS - t_setup))s"

# Wheels of every catalog service, built once per machine (scripts/wheelhouse.py): the
# scenarios then install offline from them. Without them they fall back to PyPI.
if printf '%s\n' "${STAGES[@]}" | grep -qvE '^(lint|build|sanity|unit)$'; then
  t_wheels=$SECONDS
  if python scripts/wheelhouse.py; then export OSAPI_PIP_NO_INDEX=true
  else echo "wheelhouse incomplete: the scenarios install from PyPI" >&2; export OSAPI_PIP_NO_INDEX=false; fi
  echo "wheelhouse: $((SECONDS - t_wheels))s"
fi

stage_lint() {
  yamllint -s . && ansible-lint --profile production
}

stage_build() {
  local out; out=$(mktemp -d)
  ansible-galaxy collection build --force --output-path "$out" "$repo" &&
    ansible-galaxy collection install --force -p "$out/installed" "$out"/osapi-wsgi-*.tar.gz &&
    test -f "$out/installed/ansible_collections/osapi/wsgi/plugins/modules/wsgi_entrypoint.py" &&
    test -f "$out/installed/ansible_collections/osapi/wsgi/roles/keystone/meta/argument_specs.yml" &&
    ! tar -tzf "$out"/osapi-wsgi-*.tar.gz | grep -E '^(\.cache|scripts|\.ci)/'
  local rc=$?; rm -rf "$out"; return $rc
}

# ansible-test wants the tree at .../ansible_collections/osapi/wsgi: copy the tracked files.
stage_sanity() {
  local top="$repo/.cache/sanity" dest="$repo/.cache/sanity/ansible_collections/osapi/wsgi"
  rm -rf "$top"; mkdir -p "$dest"
  git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$dest" &&
    (cd "$dest" && git init -q && git add -A &&
     ansible-test sanity --python 3.11 --requirements --color no)
}

# pytest exits 5 when it collected nothing: that is a failure here.
stage_unit() {
  python -m pytest -q -p no:cacheprovider tests/unit
}

stage_molecule() {
  local rc=0
  rm -f ".cache/faults/$1.json"
  molecule test -s "$1" || rc=$?
  # the fault cases of the side_effect step (tests/faults/fault_case.py) -> docs/faults.md
  if [ -f ".cache/faults/$1.json" ]; then python scripts/gen-fault-table.py; fi
  [ "$rc" -eq 0 ] || return "$rc"
  # the catalog scenario leaves its per-API results for the support matrix
  if [ "$1" = catalog ]; then python scripts/gen-support-matrix.py && git --no-pager diff --stat docs/support-matrix.md; fi
}

declare -A result duration
failed=0
for stage in "${STAGES[@]}"; do
  start=$SECONDS
  echo "::: stage $stage"
  case "$stage" in
    lint|build|sanity|unit) "stage_$stage" ;;
    *) if [ -f "molecule/$stage/molecule.yml" ]; then stage_molecule "$stage"; else echo "unknown stage $stage"; false; fi ;;
  esac 2>&1 | tee "$logdir/$stage.log"
  rc=${PIPESTATUS[0]}
  duration[$stage]=$((SECONDS - start))
  if [ "$rc" -eq 0 ]; then result[$stage]=passed; else result[$stage]="FAILED (exit $rc)"; failed=$((failed + 1)); fi
  echo "::: stage $stage: ${result[$stage]} in ${duration[$stage]}s"
done

echo
echo "stage       result      seconds"
for stage in "${STAGES[@]}"; do printf '%-11s %-11s %s\n' "$stage" "${result[$stage]}" "${duration[$stage]}"; done
echo "total: $((SECONDS - t_setup))s, logs in $logdir"
echo "stages: $(( ${#STAGES[@]} - failed )) passed, $failed failed"
[ "$failed" -eq 0 ]
