#!/usr/bin/env bash
# One command: set up this host and run the whole test suite.
#   scripts/test.sh                 every stage
#   scripts/test.sh unit uwsgi      only the named stages
#   scripts/test.sh catalog         only the catalog scenario (every service, about 20 min)
# Stages: lint build sanity unit, then one per Molecule scenario (SCENARIOS below).
# Every stage runs even after a failure; the exit code is non-zero if any failed.
# The catalog, multinode, mod_wsgi and eventlet scenarios run in a background lane beside the others
# (OSAPI_TEST_LANES, OSAPI_TEST_SERIAL=1: see below).
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
SCENARIOS=(uwsgi mod_wsgi eventlet mode_switch upgrade catalog multinode)
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
  yamllint -s . && python scripts/yaml-repeats.py && ansible-lint --profile production
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
  # the refused settings' records (.cache/faults/unit.json) are rows of docs/faults.md
  python -m pytest -q -p no:cacheprovider tests/unit && python scripts/gen-fault-table.py
}

stage_molecule() {
  local rc=0
  rm -f ".cache/faults/$1.json" ".cache/tempest/$1.json" ".cache/platforms/$1.json"
  if [ "$1" = upgrade ]; then rm -f .cache/upgrade/results.json; fi
  molecule test -s "$1" || rc=$?
  # the fault cases of the side_effect step (tests/faults/fault_case.py) -> docs/faults.md
  if [ -f ".cache/faults/$1.json" ]; then python scripts/gen-fault-table.py; fi
  # tempest's counts per service (molecule/shared/tests/test_tempest.py) -> docs/tempest.md
  if [ -f ".cache/tempest/$1.json" ]; then python scripts/gen-tempest-doc.py; fi
  # the upgrade scenario's load figures per phase (molecule/upgrade/side_effect.yml) -> docs/upgrades.md
  if [ -f ".cache/upgrade/results.json" ] && [ "$1" = upgrade ]; then python scripts/gen-upgrade-doc.py; fi
  [ "$rc" -eq 0 ] || return "$rc"
  # the catalog scenario leaves its per-API results for the support matrix
  if [ "$1" = catalog ]; then python scripts/gen-support-matrix.py && git --no-pager diff --stat docs/support-matrix.md; fi
}

run_stage() {
  case "$1" in
    lint|build|sanity|unit) "stage_$1" ;;
    *) if [ -f "molecule/$1/molecule.yml" ]; then stage_molecule "$1"; else echo "unknown stage $1"; false; fi ;;
  esac
}

declare -A result duration
failed=0
finish_stage() {  # stage exit-code seconds
  duration[$1]=$3
  if [ "$2" -eq 0 ]; then result[$1]=passed; else result[$1]="FAILED (exit $2)"; failed=$((failed + 1)); fi
  echo "::: stage $1: ${result[$1]} in $3s"
}
run_in_foreground() {
  local start=$SECONDS
  echo "::: stage $1"
  run_stage "$1" 2>&1 | tee "$logdir/$1.log"
  finish_stage "$1" "${PIPESTATUS[0]}" $((SECONDS - start))
}

# Two lanes on 2 cores: catalog, multinode, mod_wsgi and eventlet run in the background, one
# after the other, while every other stage runs in the foreground (lint, build, sanity, unit,
# uwsgi, mode_switch, upgrade): 2696 s and 2641 s of stages in the warm run of 2026-12-07
# 01:09 (docs/testing.md). Each lane keeps
# the CPU busy while the other waits (pip, service starts, load phases); a third lane made
# every scenario slower than it saved (docs/testing.md). The load checks count failed
# requests and print latencies, so they pass beside the other lane. OSAPI_TEST_LANES changes the background lanes
# ('|' between lanes, each run one stage after the other); OSAPI_TEST_SERIAL=1 runs every
# stage one after the other.
IFS='|' read -r -a lanes <<< "${OSAPI_TEST_LANES:-catalog multinode mod_wsgi eventlet}"
background=()
lane_pids=()
if [ "${OSAPI_TEST_SERIAL:-0}" != 1 ] && [ ${#STAGES[@]} -gt 1 ]; then
  chosen=()
  for lane in "${lanes[@]}"; do
    picked=""
    for stage in $lane; do
      if printf '%s\n' "${STAGES[@]}" | grep -qx "$stage"; then picked="$picked $stage"; fi
    done
    [ -n "$picked" ] && chosen+=("$picked")
  done
  # background stages and nothing else to run beside them: run them in the foreground
  count=0; for lane in "${chosen[@]}"; do for stage in $lane; do count=$((count + 1)); done; done
  if [ "$count" -lt ${#STAGES[@]} ] || [ ${#chosen[@]} -gt 1 ]; then
    for lane in "${chosen[@]}"; do
      for stage in $lane; do background+=("$stage"); rm -f "$logdir/$stage.result"; done
      echo "::: stages$lane: started in a background lane, logs in $logdir"
      (
        for stage in $lane; do
          start=$SECONDS
          run_stage "$stage" > "$logdir/$stage.log" 2>&1
          echo "$? $((SECONDS - start))" > "$logdir/$stage.result"
        done
      ) &
      lane_pids+=("$!")
    done
  fi
fi
for stage in "${STAGES[@]}"; do
  if printf '%s\n' "${background[@]}" | grep -qx "$stage"; then continue; fi
  run_in_foreground "$stage"
done
if [ ${#background[@]} -gt 0 ]; then
  echo "::: waiting for the background stages ${background[*]}"
  wait "${lane_pids[@]}"
  for stage in "${background[@]}"; do
    rc=1 seconds=0
    if [ -f "$logdir/$stage.result" ]; then read -r rc seconds < "$logdir/$stage.result"; fi
    echo "::: stage $stage (background), last lines of its log:"
    tail -n 25 "$logdir/$stage.log"
    finish_stage "$stage" "$rc" "$seconds"
  done
fi
# the platform matrix (release x mode) from what this run's scenarios recorded
if [ -d .cache/platforms ] && [ -f .cache/catalog-results.json ]; then python scripts/gen-support-matrix.py; fi

# The closing lines: each stage's result and time, the total, then `N passed, N failed`
# (stages) as the very last line.
echo
echo "logs in $logdir"
echo "stage       result           seconds"
for stage in "${STAGES[@]}"; do printf '%-11s %-16s %s\n' "$stage" "${result[$stage]}" "${duration[$stage]}"; done
printf '%-11s %-16s %s\n' total "" "$((SECONDS - t_setup))"
echo "$(( ${#STAGES[@]} - failed )) passed, $failed failed"
[ "$failed" -eq 0 ]
