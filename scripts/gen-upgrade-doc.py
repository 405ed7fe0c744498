"""Put the upgrade scenario's load figures into docs/upgrades.md.

Input: .cache/upgrade/results.json, written by molecule/upgrade/side_effect.yml (per phase:
requests, ok, other statuses, connection errors, seconds, req/s, p50/p99/max latency, from
tests/load/loadgen.py). The table between the two markers of docs/upgrades.md is replaced;
the rest of the page is left as it is. scripts/test.sh runs this after the upgrade stage.
Usage: python scripts/gen-upgrade-doc.py
"""
import datetime
import json
import pathlib
import sys

import yaml

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "plugins" / "plugin_utils"))
import catalog as osapi_catalog  # noqa: E402 pylint: disable=wrong-import-position
RESULTS = REPO / ".cache" / "upgrade" / "results.json"
DOC = REPO / "docs" / "upgrades.md"
START, END = "<!-- upgrade-results:start -->", "<!-- upgrade-results:end -->"
# the phases of one path, in the scenario's order (molecule/upgrade/upgrade_path.yml)
PHASES = {
    "fault": "placement upgrade that fails on the second node (every node back on the old release)",
    "keystone-upgrade": "keystone to the new series, stopped before the contract step",
    "placement-upgrade": "placement to the new series, stopped before the contract steps",
    "upgrade": "every service (upgrade.yml with none named): keystone, then placement, to the new series, stopped before the contract steps",
    "keystone-rollback": "one keystone node back to the old release",
    "keystone-finish": "keystone: that node to the new series again, then `db_sync --contract`",
    "placement-finish": "placement: `db online_data_migrations`",
    "finish": "every service: the rolled-back keystone node again and keystone's contract step, then placement's contract steps",
}


def paths():
    """{path name: (from series, to series)} in the scenario's order (molecule/upgrade/releases.yml)."""
    data = yaml.safe_load((REPO / "molecule" / "upgrade" / "releases.yml").read_text())
    return {path["name"]: (str(path["from"]), str(path["to"])) for path in data["paths"]}


def releases(series):
    """keystone's and placement's releases of a series (the catalog's)."""
    entries = osapi_catalog.load()
    return "keystone %s, placement %s" % (entries["keystone"]["releases"][series], entries["placement"]["releases"][series])


def table(results):
    stamp = datetime.datetime.fromtimestamp(RESULTS.stat().st_mtime, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [START, "", f"Last run: {stamp} (`scripts/test.sh upgrade`).", ""]
    for name, (old, new) in paths().items():
        lines.append(f"- {name}: {old} ({releases(old)}) to {new} ({releases(new)})")
    lines += ["", "| path | phase | what moved | requests | failed | req/s | p50 ms | p99 ms | max ms | seconds |",
              "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    # the scenario's order (the results file is sorted by name): path, then phase
    path_order = {name: index for index, name in enumerate(paths())}
    order = {name: index for index, name in enumerate(PHASES)}

    def key(item):
        path, _sep, phase = item[0].partition(".")
        return (path_order.get(path, len(path_order)), order.get(phase, len(order)))
    for name, counts in sorted(results.items(), key=key):
        path, _sep, phase = name.partition(".")
        failed = counts.get("other_status_total", 0) + counts.get("connection_errors_total", 0)
        lines.append(f"| {path} | {phase} | {PHASES.get(phase, '')} | {counts['requests']} | {failed} | "
                     f"{counts['requests_per_second']} | {counts['latency_p50_ms']} | {counts['latency_p99_ms']} | "
                     f"{counts['latency_max_ms']} | {counts['seconds']} |")
    return "\n".join(lines + ["", END])


def main():
    if not RESULTS.exists():
        print(f"{RESULTS} is missing: run the upgrade scenario first", file=sys.stderr)
        return 1
    text = DOC.read_text()
    if START not in text or END not in text:
        print(f"{DOC} has no {START} ... {END} section", file=sys.stderr)
        return 1
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    DOC.write_text(head + table(json.loads(RESULTS.read_text())) + tail)
    return 0


if __name__ == "__main__":
    sys.exit(main())
