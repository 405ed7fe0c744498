"""A working cloud, as a user meets it: python-openstackclient with the clouds.yaml and
openrc the deploy wrote for the admin (0600), through keystone's catalog,
the catalog's read call of every deployed API, writes at once from several clients, an
image round trip, and a revoked token refused by every worker.

The client is the `cloud` fixture of molecule/conftest.py.
"""
from __future__ import annotations

import concurrent.futures
import hashlib
import os
import pathlib
import stat
import subprocess
import uuid

import pytest


def registered(scenario):
    """(service, api) of every deployed API that keystone's catalog lists."""
    return [(service, api) for service in scenario.services()
            for api in scenario.catalog[service]["apis"] if api.get("service_type")]


def registered_apis(scenario):
    return [pair[1] for pair in registered(scenario)]


def registered_services(scenario):
    return sorted({pair[0] for pair in registered(scenario)})


def test_the_admins_clouds_yaml_and_openrc_are_private_and_work(scenario, cloud):
    secrets = pathlib.Path(scenario.secrets_dir())
    for name in ("clouds.yaml", "openrc"):
        assert stat.S_IMODE((secrets / name).stat().st_mode) == 0o600, name
    assert cloud("token", "issue")["project_id"]
    client = pathlib.Path(os.environ["OSAPI_CLIENTS"]) / "openstack"
    env = {key: value for key, value in os.environ.items() if not key.startswith("OS_")}
    done = subprocess.run(["bash", "-c", 'source "$1" && "$2" token issue -f value -c project_id', "openrc",
                           str(secrets / "openrc"), str(client)], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0 and done.stdout.strip(), done.stderr[-600:]
    if scenario.cafile():
        assert f"export OS_CACERT={scenario.cafile()}" in (secrets / "openrc").read_text()


def test_catalog_lists_every_deployed_api_with_public_and_internal_endpoints(scenario, cloud):
    listed = {entry["Type"]: entry for entry in cloud("catalog", "list")}
    for api in registered_apis(scenario):
        assert api["service_type"] in listed, f"{api['name']} ({api['service_type']}) is not in keystone's catalog"
        interfaces = sorted(e["interface"] for e in listed[api["service_type"]]["Endpoints"]
                            if e["interface"] in ("public", "internal"))
        assert interfaces == ["internal", "public"], f"{api['service_type']}: {interfaces} (duplicates break clients)"


def test_each_api_answers_its_authenticated_read_call(scenario, cloud, read_call_made):
    calls = [api for api in registered_apis(scenario) if read_call_made(api)]
    assert calls, "the scenario deploys no API with a read_call in the catalog"
    for api in calls:
        cloud(*api["read_call"].split(), extra_env=api.get("read_call_env"))


def test_service_users_have_admin_and_service_in_project_service(scenario, cloud):
    for service in registered_services(scenario):
        if service == "keystone":
            continue
        user = scenario.catalog[service].get("project", service)
        roles = {row["Role"] for row in cloud("role", "assignment", "list", "--user", user, "--project", "service",
                                              "--names")}
        assert {"admin@Default", "service@Default"} <= roles or {"admin", "service"} <= roles, (service, roles)


def test_writes_from_several_clients_at_once(scenario, cloud):
    """The failure sqlite shows under two writers ("database is locked"): eight project
    creations and deletions in parallel all succeed."""
    names = [f"osapi-test-{uuid.uuid4().hex[:8]}" for number in range(8)]

    def create_and_delete(name):
        cloud("project", "create", "--domain", "default", name)
        cloud("project", "delete", name, fmt=None)
        return name
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        assert sorted(pool.map(create_and_delete, names)) == sorted(names)


def test_revoked_token_is_refused_by_every_worker(scenario, api):
    """Validations are spread over the workers (processes x nodes): after a revocation none
    may still accept the token from a per-process cache."""
    base = scenario.base_url()
    admin, victim = api.token(base), api.token(base)
    tries = 4 * max(2, scenario.processes("keystone") or 2)

    def check(token):
        return api.get(f"{base}/identity/v3/auth/tokens", headers={"X-Auth-Token": admin, "X-Subject-Token": token}).status
    assert {check(victim) for attempt in range(tries)} == {200}
    revoked = api.request("DELETE", f"{base}/identity/v3/auth/tokens",
                          headers={"X-Auth-Token": admin, "X-Subject-Token": victim})
    assert revoked.status == 204
    assert {check(victim) for attempt in range(tries)} == {404}
    if "placement" in scenario.services():
        statuses = {api.get(f"{base}/placement/resource_providers", headers={"X-Auth-Token": victim}).status
                    for attempt in range(tries)}
        assert statuses == {401}, "placement accepted a revoked token (keystonemiddleware's cache)"


def test_image_round_trip_keeps_its_bytes(scenario, cloud, tmp_path):
    if "glance" not in scenario.services():
        pytest.skip("no glance in this scenario")
    data = os.urandom(3 * 2**20 + 17)
    source, target = tmp_path / "in.img", tmp_path / "out.img"
    source.write_bytes(data)
    name = f"osapi-test-{uuid.uuid4().hex[:8]}"
    image = cloud("image", "create", "--disk-format", "raw", "--container-format", "bare", "--file", str(source), name)
    try:
        assert image["status"] == "active"
        cloud("image", "save", "--file", str(target), name, fmt=None)
        assert hashlib.sha256(target.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()
    finally:
        cloud("image", "delete", name, fmt=None)
