"""tempest against the scenario's cloud: for every deployed service the catalog names tempest
tests for (key ``tempest``: include regexes, excluded tests with their reasons), one
``tempest run`` at concurrency 2 with dynamic credentials, through keystone's catalog.

tempest is the one scripts/setup.sh installs (requirements-tempest.txt, $OSAPI_TEMPEST);
tests/tempest/tempest_suite.py writes its tempest.conf from the scenario's facts (0600, removed
after the run: it holds the admin password) and counts the results per service. The counts
(passed, failed, skipped with each skip reason) go to .cache/tempest/<scenario>.json, the input
of scripts/gen-tempest-doc.py (docs/tempest.md), before any assert; a failed test fails this one.
The workspace (.cache/tempest/<scenario>/: tempest.log, the stestr repository) stays for reading.
The inventory variable osapi_test_tempest_services (a list) keeps the tests of those services
only, e.g. where another scenario already runs the others; tempest still knows every deployed
service is available.
"""
from __future__ import annotations

import datetime
import importlib.util
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

import pytest

REPO = pathlib.Path(os.environ.get("MOLECULE_PROJECT_DIRECTORY", pathlib.Path(__file__).resolve().parents[3]))
TEMPEST = pathlib.Path(os.environ.get("OSAPI_TEMPEST", ""))
SUITE_FILE = REPO / "tests" / "tempest" / "tempest_suite.py"
SPEC = importlib.util.spec_from_file_location("tempest_suite", SUITE_FILE)
suite = importlib.util.module_from_spec(SPEC)
sys.modules[SPEC.name] = suite  # dataclasses look their module up there
SPEC.loader.exec_module(suite)
# the bar for keystone: no failure with two tests at once (stale caches, locked writes)
CONCURRENCY = 2
RUN_TIMEOUT = 1800


def scenario_name() -> str:
    return os.environ.get("MOLECULE_SCENARIO_NAME") or "manual"


def deployed_services(scenario) -> dict:
    """{service: its first host} of the catalog services deployed on any host, in catalog order."""
    first = {}
    for host in scenario.api_hosts():
        for service in scenario.services(host):
            first.setdefault(service, host)
    return {service: first[service] for service in scenario.catalog if service in first}


def read_configs(scenario, nodes, services: dict) -> dict:
    """{service: parsed config file} from the first host of each deployed service tempest knows."""
    configs = {}
    for service, host in services.items():
        if service not in suite.SCOPED:
            continue
        entry = scenario.catalog[service]
        path = f"/etc/{entry.get('project', service)}/{entry['config_file']}"
        configs[service] = suite.parse_ini(nodes[host].file(path).content_string)
    return configs


def releases(scenario, nodes, services: dict) -> dict:
    """{service: release of its package in the host's venv}."""
    root = scenario.vars().get("osapi_wsgi_venv_root", "/opt/openstack")
    found = {}
    for service, host in services.items():
        package = scenario.catalog[service]["package"]
        found[service] = nodes[host].check_output(
            "%s -c %s", f"{root}/{service}/bin/python",
            f"import importlib.metadata as m; print(m.version({package!r}))")
    return found


# tempest's compute tests boot from [compute] flavor_ref(_alt) and image_ref(_alt): its
# defaults name flavors and images a fresh nova and glance do not have. Made once, by name.
FLAVORS = {"flavor_ref": ("osapi-tempest-1", 128), "flavor_ref_alt": ("osapi-tempest-2", 192)}
IMAGE = "osapi-tempest-image"


def compute_refs(cloud, directory: pathlib.Path) -> dict:
    """{flavor_ref, flavor_ref_alt, image_ref, image_ref_alt} of flavors and an image (1 MiB raw) made for tempest."""
    refs = {}
    flavors = {flavor["Name"]: flavor["ID"] for flavor in cloud("flavor", "list", "--all")}
    for option, (name, ram) in FLAVORS.items():
        refs[option] = flavors.get(name) or cloud(
            "flavor", "create", "--ram", str(ram), "--disk", "1", "--vcpus", "1", "--public", name)["id"]
    images = {image["Name"]: image["ID"] for image in cloud("image", "list", "--public")}
    if IMAGE not in images:
        data = directory / "image.raw"
        data.write_bytes(bytes(2**20))
        images[IMAGE] = cloud("image", "create", "--disk-format", "raw", "--container-format", "bare", "--public",
                              "--file", str(data), IMAGE)["id"]
    refs["image_ref"] = refs["image_ref_alt"] = images[IMAGE]
    return refs


def network_extensions(cloud) -> dict:
    """tempest's [network-feature-enabled] api_extensions: the aliases neutron lists (its
    default, all, would run the tests of extensions this deployment does not load)."""
    return {"api_extensions": ",".join(sorted(item["Alias"] for item in cloud("extension", "list", "--network")))}


def service_types(catalog: dict, services) -> dict:
    """{service: the type its first API is registered as in keystone's catalog}."""
    return {service: catalog[service]["apis"][0].get("service_type") for service in services}


def tool(name: str) -> str:
    path = TEMPEST / name
    if not path.exists():
        pytest.fail(f"no {name} at {path}: run through scripts/test.sh (scripts/setup.sh sets OSAPI_TEMPEST)")
    return str(path)


@pytest.fixture(scope="module")
def tempest_run(scenario, nodes, cloud) -> dict:
    services = deployed_services(scenario)
    chosen = suite.selection(scenario.catalog, services)
    only = scenario.vars().get("osapi_test_tempest_services")
    if only is not None:
        unknown = sorted(set(only) - set(chosen))
        if unknown:
            pytest.fail(f"osapi_test_tempest_services names {unknown}: not deployed in this scenario, or without "
                        f"a tempest key in the catalog (these have one: {sorted(chosen)})")
        chosen = {name: spec for name, spec in chosen.items() if name in only}
    regex, exclude = suite.run_filters(chosen)
    workspace = REPO / ".cache" / "tempest" / scenario_name()
    shutil.rmtree(workspace, ignore_errors=True)
    workspace.mkdir(parents=True, mode=0o700)
    deployment = suite.Deployment(
        identity_url=f"{scenario.base_url()}{scenario.catalog['keystone']['apis'][0]['prefix']}",
        admin_password=scenario.var("keystone_admin_password"), services=list(services),
        configs=read_configs(scenario, nodes, services), region=scenario.vars().get("keystone_region", "RegionOne"),
        cafile=scenario.cafile(), service_types=service_types(scenario.catalog, services), extra={})
    if "nova" in services:
        deployment.extra["compute"] = compute_refs(cloud, workspace)
    if "neutron" in services:
        deployment.extra["network-feature-enabled"] = network_extensions(cloud)
    conf = workspace / "tempest.conf"
    conf.touch(mode=0o600)
    conf.write_text(suite.tempest_conf(deployment, str(workspace)), encoding="utf-8")
    argv = [tool("tempest"), "run", "--config-file", str(conf), "--concurrency", str(CONCURRENCY), "--regex", regex]
    if exclude:
        argv += ["--exclude-regex", exclude]
    start = time.monotonic()
    try:
        done = subprocess.run(argv, cwd=workspace, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)
    finally:
        conf.unlink()
    seconds = round(time.monotonic() - start)
    (workspace / "run.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    stream = subprocess.run([tool("stestr"), "last", "--subunit"], cwd=workspace, capture_output=True, check=False)
    parsed = subprocess.run([tool("python"), str(SUITE_FILE), "results"], input=stream.stdout,
                            capture_output=True, check=True)
    summary = suite.summarize(json.loads(parsed.stdout), chosen)
    version = subprocess.run([tool("python"), "-c", "import importlib.metadata as m; print(m.version('tempest'))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    record = {
        "scenario": scenario_name(), "date": datetime.date.today().isoformat(), "tempest": version,
        "concurrency": CONCURRENCY, "seconds": seconds, "exit_code": done.returncode,
        "releases": releases(scenario, nodes, {service: services[service] for service in chosen}),
        "services": {service: {**chosen[service], **summary[service]} for service in chosen},
        "unselected": summary.get(None),
        "tail": (done.stdout + done.stderr)[-3000:] if done.returncode else "",
    }
    out = REPO / ".cache" / "tempest" / f"{scenario_name()}.json"
    out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


def test_tempest_ran_tests_of_every_selected_service(tempest_run):
    empty = [service for service, counts in tempest_run["services"].items()
             if counts["passed"] + counts["failed"] + counts["skipped"] == 0]
    assert not empty, f"tempest ran no test of {empty} (see {scenario_name()}.json: {tempest_run['tail']})"
    assert not tempest_run["unselected"], f"results no service's include selects: {tempest_run['unselected']}"


def test_tempest_has_no_failure(tempest_run):
    failed = {service: counts["failures"] for service, counts in tempest_run["services"].items() if counts["failed"]}
    assert not failed, f"tempest failures (workspace .cache/tempest/{scenario_name()}/): {failed}"
    assert tempest_run["exit_code"] == 0, f"tempest run exited {tempest_run['exit_code']}: {tempest_run['tail']}"
