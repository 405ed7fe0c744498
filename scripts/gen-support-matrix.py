"""Write docs/support-matrix.md from the service catalog and the test results.

Inputs:
  roles/osapi_wsgi/vars/catalog.yml   what each service is, which modes it can run in
  molecule/*/molecule.yml             which scenario deploys which service in which mode
  .cache/catalog-results.json         written by `molecule verify -s catalog`: per API,
                                      the entrypoint import and the GET <prefix>/ answer
  .cache/platforms/<scenario>.json    written by each scenario's tests (molecule/conftest.py):
                                      the Debian release and modes they passed or failed on
Usage: python scripts/gen-support-matrix.py [--check]   (--check: fail if the file would change)
"""
import json
import pathlib
import re
import sys

import yaml

REPO = pathlib.Path(__file__).resolve().parent.parent
# the reader behind the osapi.wsgi.catalog lookup (plain Python, no Ansible needed)
sys.path.insert(0, str(REPO / "plugins" / "plugin_utils"))
import catalog as osapi_catalog  # noqa: E402 pylint: disable=wrong-import-position
import series as osapi_series  # noqa: E402 pylint: disable=wrong-import-position
# the release a scenario's platform runs, read the way the wheelhouse reads it (scripts/)
from wheelhouse import platform_release  # noqa: E402 pylint: disable=wrong-import-position
OUT = REPO / "docs" / "support-matrix.md"
MODES = ("uwsgi", "mod_wsgi", "gunicorn", "eventlet")
# release: (its name in the docs, its Python)
RELEASES = {"bookworm": ("Debian 12 (bookworm)", "3.11"), "trixie": ("Debian 13 (trixie)", "3.13")}


def short_name(release):
    """"Debian 12" for bookworm: how the mode columns and the platform table name a release."""
    return RELEASES[release][0].split(" (", maxsplit=1)[0] if release in RELEASES else str(release)


def default_scenarios():
    """The scenarios scripts/test.sh (and so CI) runs by default."""
    match = re.search(r"^SCENARIOS=\(([^)]*)\)", (REPO / "scripts" / "test.sh").read_text(), re.M)
    return set(match.group(1).split())


def scenario_coverage():
    """{(service, mode): {(scenario, release), ...}} from the default scenarios' platforms
    (groups, release: bookworm, trixie, ...; None when unknown) and mode variables."""
    cover = {}
    default = default_scenarios()
    for path in sorted((REPO / "molecule").glob("*/molecule.yml")):
        if path.parent.name not in default:
            continue
        spec = yaml.safe_load(path.read_text())
        allvars = spec["provisioner"]["inventory"]["group_vars"]["all"]
        where = {}
        for platform in spec["platforms"]:
            release = platform_release(platform)
            for service in platform.get("groups", []):
                where[service] = (path.parent.name, release)
                mode = allvars.get(f"{service}_wsgi_mode", allvars.get("osapi_wsgi_mode", "uwsgi"))
                cover.setdefault((service, mode), set()).add(where[service])
        # modes a scenario switches to later (side_effect: deploy.yml imported with vars)
        side = path.parent / "side_effect.yml"
        for play in yaml.safe_load(side.read_text()) if side.exists() else []:
            if play.get("ansible.builtin.import_playbook", "").endswith("deploy.yml"):
                for var, mode in (play.get("vars") or {}).items():
                    if var.endswith("_wsgi_mode"):
                        service = var[: -len("_wsgi_mode")]
                        cover.setdefault((service, mode), set()).add(where.get(service, (path.parent.name, None)))
    return cover


def platform_matrix():
    """The release x mode table: what the last run's scenarios passed (or failed) on each
    Debian release (.cache/platforms/*.json), and what differs per release."""
    found, planned = {}, {}
    # what the default scenarios deploy on each release, for the cells this cache has no record of
    for (dummy, mode), places in scenario_coverage().items():
        for scenario, release in places:
            planned.setdefault((release, mode), set()).add(scenario)
    for path in sorted((REPO / ".cache" / "platforms").glob("*.json")):
        for key, item in json.loads(path.read_text()).items():
            if key.startswith("series "):
                continue
            release, mode = key.split(" ", 1)
            found.setdefault((release, mode), []).append(
                ("passed" if item["passed"] else "**FAILED**") + f" ({path.stem}: {', '.join(sorted(item['services']))})")
    lines = ["## Platforms", "",
             "Which Debian release each mode was tested on in the last run of the scenarios (each",
             "scenario's tests record the release of its containers and the modes they checked):",
             "", "| release | Python | " + " | ".join(MODES) + " |", "|---|---|" + "---|" * len(MODES)]
    for release, (title, python) in RELEASES.items():
        runs = {mode: planned.get((release, mode)) for mode in MODES}
        cells = ["; ".join(found.get((release, mode), []))
                 or (f"no result recorded here (run by: {', '.join(sorted(runs[mode]))})" if runs[mode] else "not tested")
                 for mode in MODES]
        lines.append(f"| {title} | {python} | " + " | ".join(cells) + " |")
    lines += ["",
              "What differs per release (roles/osapi_wsgi/vars/Debian_12.yml, Debian_13.yml over Debian.yml):",
              "the Python the venvs are made from (3.11, 3.13), so the uWSGI plugin the engine names",
              "(`python311`, `python313`), the wheels of compiled packages (the wheelhouse holds both),",
              "and mod_wsgi's build (4.9 on Debian 12, 5.0 on Debian 13). Package names, Apache modules",
              "(`proxy_uwsgi` is in apache2-bin on both) and the engine's files are the same.", ""]
    return lines


def series_matrix():
    """The series x release table: which OpenStack series the last run's scenarios deployed
    and checked on each Debian release (.cache/platforms/*.json, "series <release> <series>")."""
    found = {}
    for path in sorted((REPO / ".cache" / "platforms").glob("*.json")):
        for key, item in json.loads(path.read_text()).items():
            if key.startswith("series "):
                _word, release, series = key.split(" ", 2)
                found.setdefault((release, series), []).append(
                    ("passed" if item["passed"] else "**FAILED**") + f" ({path.stem}: {', '.join(sorted(item['services']))})")
    lines = ["## OpenStack series", "",
             "Which OpenStack series (osapi_wsgi_openstack_series, docs/releases.md) the last run's scenarios",
             "deployed and checked on each Debian release (each scenario records the series its nodes' registry",
             "names; the upgrade scenario records each path's old and new series once the path passed):",
             "", "| release | Python | " + " | ".join(osapi_series.SUPPORTED) + " |",
             "|---|---|" + "---|" * len(osapi_series.SUPPORTED)]
    for release, (title, python) in RELEASES.items():
        cells = ["; ".join(found.get((release, series), [])) or "no result recorded here"
                 for series in osapi_series.SUPPORTED]
        lines.append(f"| {title} | {python} | " + " | ".join(cells) + " |")
    return lines + [""]


def write_cell(api, res):
    """The write round trip: ok / failed / needs <worker> / not run; '-' when the API has none."""
    if api.get("write_worker"):
        return f"*needs {api['write_worker']}*"
    if not api.get("write_calls"):
        return "-"
    first = " ".join(api["write_calls"][0].split()[:2])
    if not res or res.get("write_ok") is None:
        return f"`{first} ...` not run"
    return f"`{first} ...` ok" if res["write_ok"] else f"`{first} ...` **failed**"


def read_call_cell(api, res):
    """`openstack <call>`: ok / failed / needs <worker> / not run; '-' when the API has none."""
    if not api.get("read_call"):
        return "-"
    call = f"`{api['read_call']}`"
    if api.get("read_call_worker"):
        return f"{call} *needs {api['read_call_worker']}*"
    if not res or res.get("read_call_ok") is None:
        return f"{call} not run"
    if not res["read_call_ok"]:
        return f"{call} failed"
    refused = res.get("without_token_status")
    return f"{call} ok, 401 without token" if refused == 401 else f"{call} ok, *{refused or 'not tried'} without token*"


def main():
    catalog = osapi_catalog.load()
    results_path = REPO / ".cache" / "catalog-results.json"
    results = {r["api"]: r for r in json.loads(results_path.read_text())} if results_path.exists() else {}
    cover = scenario_coverage()

    lines = [
        "# Support matrix",
        "",
        "Generated by `scripts/gen-support-matrix.py` from `roles/osapi_wsgi/vars/catalog.yml`, the",
        "Molecule scenarios and the results of the `catalog` scenario; do not edit by hand.",
        "",
        "Modes: **tested** = a Molecule scenario of the default test run (CI) deploys the service",
        "in that mode and checks real answers (the scenario, and the Debian release it runs on);",
        "*supported* = the engine can do it, no default scenario runs it; `-` = not possible",
        "(no standalone server). Live: the catalog scenario's GET `<prefix>/` through Apache",
        "(on Debian 12,",
        "uWSGI) and whether the body is a version document; import: the `wsgi_entrypoint` check.",
        "Read call: the catalog's authenticated read call of python-openstackclient, made through",
        "keystone's catalog as the admin of that run (every service validating tokens), then the",
        "same GET without a token (401: the service refuses it);",
        "*needs X*: the call waits for a worker process X, which this collection does not deploy.",
        "Write round trip: the catalog's create, read and delete calls (`write_calls`; glance: an upload",
        "and its download compared byte for byte), made the same way; *needs X*: every write call of the",
        "API needs the worker X.",
        "Install: seconds from the venv's creation to its last installed package (from the",
        "wheelhouse, see docs/testing.md) and the venv's size, per service, in that run.",
        "",
        "| service | API | entrypoint | prefix | release | import (s) | live | read call | write round trip "
        "| install (s) | venv (MB) | uwsgi | mod_wsgi | gunicorn | eventlet |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    answering = set()
    for name, svc in catalog.items():
        for api in svc["apis"]:
            res = results.get(api["name"])
            modes = []
            for mode in MODES:
                if mode == "eventlet" and not api.get("standalone"):
                    modes.append("-")
                elif (name, mode) in cover:
                    places = sorted(f"{scenario} on {short_name(release)}" if release else scenario
                                    for scenario, release in cover[(name, mode)])
                    modes.append("**tested** (" + ", ".join(places) + ")")
                else:
                    modes.append("*supported*")
            call = read_call_cell(api, res)
            write = write_cell(api, res)
            if res:
                imp = f"{res['import_seconds']}" if res["import_ok"] else "failed"
                live = f"{res['status']} yes" if res["answers"] else f"{res['status']} no"
                release = res.get("version") or ""
                install = f"{res['install_seconds']}" if res.get("install_seconds") is not None else ""
                size = f"{res['venv_mb']}" if res.get("venv_mb") is not None else ""
                if res["answers"]:
                    answering.add(name)
            else:
                imp, live, release = "not run", "blocked" if svc.get("blocked") else "not run", ""
                install = size = ""
            lines.append(f"| {name} | {api['name']} | `{api['entrypoint']}` | {api['prefix']} | {release} | {imp} | {live} "
                         f"| {call} | {write} | {install} | {size} | " + " | ".join(modes) + " |")
    if results:
        apis = sum(1 for r in results.values() if r["answers"])
        lines += ["", f"Services answering live: {len(answering)} of {len(catalog)} ({apis} of {len(results)} APIs).", ""]
    else:
        lines += ["", "No results of the catalog scenario went into this version of the file", "(`scripts/test.sh catalog` writes them).", ""]
    lines += platform_matrix() + series_matrix()
    blocked = {n: s["blocked"] for n, s in catalog.items() if s.get("blocked")}
    if blocked:
        lines += ["## Not answering here", ""]
        lines += [f"- **{n}**: {' '.join(reason.split())}" for n, reason in blocked.items()]
        lines.append("")
    text = "\n".join(lines)
    if "--check" in sys.argv:
        if not OUT.exists() or OUT.read_text() != text:
            sys.exit(f"{OUT} is out of date: run scripts/gen-support-matrix.py")
        return
    OUT.write_text(text)
    print(f"wrote {OUT} ({len(answering)} services answering)")


if __name__ == "__main__":
    main()
