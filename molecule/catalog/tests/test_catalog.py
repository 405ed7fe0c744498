"""Every deployed catalog API imports in its venv (osapi.wsgi.wsgi_entrypoint), answers
GET <prefix>/ through Apache with a version document (with a keystone token where the catalog
says token_required), is listed in keystone's catalog, and answers its read call (catalog
`read_call`) from python-openstackclient through that catalog, unless the call needs a worker
process this collection does not deploy (`read_call_worker`), and refuses the same request
without a token (401: the service checks tokens, it does not merely accept them). The per-API results, with each
venv's install time and size, are written to .cache/catalog-results.json, the input of
scripts/gen-support-matrix.py, before any assert."""
import json
import os
import pathlib
import re

import pytest
import testinfra
from testinfra.modules.ansible import AnsibleException

# a version document: JSON naming versions, or the metadata API's list of dated versions
VERSION_DOC = re.compile(r"(?im)version|^(1\.0|[0-9]{4}-[0-9]{2}-[0-9]{2})$")
RESULTS = pathlib.Path(os.environ.get("MOLECULE_PROJECT_DIRECTORY", pathlib.Path(__file__).parents[3])) \
    / ".cache" / "catalog-results.json"
# urllib3's log line for each request the client sends (openstack --debug), any client library
SENT = re.compile(r'(https?)://(\S+?):(\d+) "(\w+) (\S+) HTTP/[0-9.]+" (\d+)')
CLEAN_UP = re.compile(r"(?m)^clean_up \w+: (.+)$")
# install time = venv created -> last package recorded; disk use in MiB
MEASURE = """set -euo pipefail
for v in "$@"; do
  d=/opt/openstack/$v
  first=$(stat -c %Y "$d/pyvenv.cfg")
  last=$(stat -c %Y "$d"/lib/python3*/site-packages/*.dist-info/RECORD | sort -n | tail -1)
  printf '%s %s %s\\n' "$v" "$((last - first))" "$(du -sm "$d" | cut -f1)"
done"""


def import_entrypoint(host, item, catalog) -> dict:
    args = {"entrypoint": item.entrypoint, "virtualenv": f"/opt/openstack/{item.service}",
            "environment": catalog[item.service]["config_env"], "user": item.user, "chdir": f"/var/lib/{item.user}"}
    try:
        return host.ansible("osapi.wsgi.wsgi_entrypoint", json.dumps(args), check=False)
    except AnsibleException as failed:
        return failed.result


def answer(api, url, headers) -> tuple[int | None, str]:
    try:
        got = api.get(url, headers=headers)
    except OSError:
        return None, ""
    return got.status, got.body.decode(errors="replace")


def last_get(scenario, debug_output: str, prefix: str) -> str | None:
    """The URL of the last GET the client sent under the API's prefix (its read call: version
    discovery and keystone's own requests come before it)."""
    urls = [scenario.url(scheme, host, port) + path
            for scheme, host, port, method, path, _status in SENT.findall(debug_output)
            if method == "GET" and (path == prefix or path.startswith(prefix + "/") or path.startswith(prefix + "?"))]
    return urls[-1] if urls else None


def read_call(scenario, cloud, api, spec, prefix, made) -> dict:
    """The API's read call through keystone's catalog: ok, or the client's last error line; then
    the same GET without a token, whose status is recorded (401 expected)."""
    record = {"read_call": spec.get("read_call"), "read_call_ok": None, "read_call_worker": spec.get("read_call_worker"),
              "read_call_error": None, "read_call_url": None, "without_token_status": None}
    if not made(spec):
        # a call that needs a worker would wait for its RPC timeout: not made
        return record
    done = cloud("--debug", *spec["read_call"].split(), check=False, extra_env=spec.get("read_call_env"))
    record.update(read_call_ok=done.returncode == 0, read_call_url=last_get(scenario, done.stderr or "", prefix))
    if done.returncode:
        # with --debug the client's error message is cliff's "clean_up <Command>: <message>" line
        errors = CLEAN_UP.findall(done.stderr or "")
        record["read_call_error"] = errors[-1][-300:] if errors else f"exit {done.returncode}"
    if record["read_call_url"]:
        record["without_token_status"] = answer(api, record["read_call_url"], {})[0]
    return record


@pytest.fixture(scope="module")
def records(scenario, api, nodes, cloud, read_call_made) -> dict:
    apis = scenario.deployed_apis()
    specs = {spec["name"]: spec for entry in scenario.catalog.values() for spec in entry["apis"]}
    listed = {entry["Type"]: sorted(e["interface"] for e in entry["Endpoints"]) for entry in cloud("catalog", "list")}
    found = {}
    for host in scenario.api_hosts():
        ansible_host = testinfra.get_host(f"ansible://{host}", ansible_inventory=scenario.runner.inventory_file)
        services = scenario.services(host)
        sizes = {line.split()[0]: line.split()[1:] for line in nodes[host].check_output(
            "bash -c %s measure " + " ".join(["%s"] * len(services)), MEASURE, *services).splitlines()}
        base = scenario.node_url(host)
        token = api.token(base) if "keystone" in services else None
        for item in (a for a in apis if a.host == host):
            imported = import_entrypoint(ansible_host, item, scenario.catalog)
            status, body = answer(api, f"{base}{item.prefix}/", {"X-Auth-Token": token} if item.token_required else {})
            failed = "error" in imported
            found[item.api] = {
                "service": item.service, "api": item.api, "entrypoint": item.entrypoint, "prefix": item.prefix,
                "import_ok": not failed, "import_seconds": imported.get("import_seconds"),
                "version": imported.get("version"), "import_error": imported.get("msg") if failed else None,
                "status": status, "install_seconds": int(sizes[item.service][0]), "venv_mb": int(sizes[item.service][1]),
                "answers": status in (200, 300) and bool(VERSION_DOC.search(body)),
                "service_type": specs[item.api].get("service_type"),
                "endpoints": listed.get(specs[item.api].get("service_type"), []),
                **read_call(scenario, cloud, api, specs[item.api], item.prefix, read_call_made)}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(list(found.values()), indent=4) + "\n", encoding="utf-8")
    return found


def test_entrypoint_imports(records, deployed_api):
    record = records[deployed_api.api]
    assert record["import_ok"], record["import_error"]


def test_prefix_answers_a_version_document(records, deployed_api):
    record = records[deployed_api.api]
    assert record["answers"], f"GET {record['prefix']}/: HTTP {record['status']}"


def test_registered_in_keystone_with_public_and_internal_endpoints(records, deployed_api):
    record = records[deployed_api.api]
    if not record["service_type"]:
        pytest.skip(f"{deployed_api.api} is not listed in keystone's catalog (catalog: no service_type)")
    assert [e for e in record["endpoints"] if e in ("internal", "public")] == ["internal", "public"], record["endpoints"]


def test_read_call_answers_through_the_catalog(records, deployed_api):
    record = records[deployed_api.api]
    if not record["read_call"]:
        pytest.skip(f"{deployed_api.api}: no read call in the catalog")
    if record["read_call_worker"]:
        pytest.skip(f"openstack {record['read_call']} needs {record['read_call_worker']}, which is not deployed")
    assert record["read_call_ok"], f"openstack {record['read_call']}: {record['read_call_error']}"


def test_read_call_refused_without_a_token(records, deployed_api):
    record = records[deployed_api.api]
    if not record["read_call_ok"]:
        pytest.skip(f"{deployed_api.api}: no read call answered (see test_read_call_answers_through_the_catalog)")
    assert record["read_call_url"], f"openstack {record['read_call']}: no GET under {record['prefix']} in its debug output"
    assert record["without_token_status"] == 401, \
        f"GET {record['read_call_url']} without a token: HTTP {record['without_token_status']} (expected 401)"
