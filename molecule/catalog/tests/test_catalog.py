"""Every deployed catalog API imports in its venv (osapi.wsgi.wsgi_entrypoint), answers
GET <prefix>/ through Apache with a version document (with a keystone token where the catalog
says token_required), is listed in keystone's catalog, and answers its read call (catalog
`read_call`) from python-openstackclient through that catalog, unless the call needs a worker
process this collection does not deploy (`read_call_worker`), and refuses the same request
without a token (401: the service checks tokens, it does not merely accept them), and makes its
write round trip (catalog `write_calls`: create, read, delete; glance's upload and download
compared byte for byte) unless every write needs a worker (`write_worker`). The per-API results, with each
venv's install time and size, are written to .cache/catalog-results.json, the input of
scripts/gen-support-matrix.py, before any assert."""
import json
import os
import pathlib
import re
import secrets
import shlex

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
# install time = venv created -> last package recorded; disk use in MiB (of the venv the
# stable path links to: the trailing slash follows the link)
MEASURE = """set -euo pipefail
for v in "$@"; do
  d=/opt/openstack/$v
  first=$(stat -c %Y "$d/pyvenv.cfg")
  last=$(stat -c %Y "$d"/lib/python3*/site-packages/*.dist-info/RECORD | sort -n | tail -1)
  printf '%s %s %s\\n' "$v" "$((last - first))" "$(du -sm "$d/" | cut -f1)"
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


# The write round trips run unless OSAPI_TEST_WRITE_CALLS=0 (a quicker look at the reads).
WRITE_CALLS = os.environ.get("OSAPI_TEST_WRITE_CALLS", "1") != "0"
# an object id in a client's output that is not JSON
OBJECT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}")


def created_id(output: str, field: str | None) -> str | None:
    """The id of what a create call made: its JSON output's field (write_id, else id or uuid),
    else the first id-like word of its output."""
    try:
        data = json.loads(output)
    except ValueError:
        data = None
    if isinstance(data, list) and data:
        data = data[0]
    if isinstance(data, dict):
        for key in ([field] if field else []) + ["id", "uuid", "ID", "UUID"]:
            if data.get(key):
                return str(data[key])
    found = OBJECT_ID.search(output or "")
    return found.group(0) if found else None


def write_calls(cloud, spec, workdir: pathlib.Path, project: str) -> dict:
    """The API's write round trip (catalog write_calls) through keystone's catalog: every step
    answers, glance's download equals the upload; the delete is made even after a failed read."""
    record = {"write_calls": spec.get("write_calls"), "write_worker": spec.get("write_worker"), "write_ok": None,
              "write_error": None}
    if not spec.get("write_calls") or spec.get("write_worker") or not WRITE_CALLS:
        return record
    name = "osapi-write-%s-%s" % (spec["name"], secrets.token_hex(3))
    values = {"{name}": name, "{project}": project, "{file}": str(workdir / (name + ".in")),
              "{out}": str(workdir / (name + ".out"))}
    content = spec.get("write_file")
    if content == "random":
        pathlib.Path(values["{file}"]).write_bytes(os.urandom(1 << 20))
    elif content:
        pathlib.Path(values["{file}"]).write_text(content.replace("{name}", name))
    errors = []
    for index, call in enumerate(spec["write_calls"]):
        if "{id}" in call and "{id}" not in values:
            break  # nothing was made: nothing to read or delete
        argv = shlex.split(call)
        for key, value in values.items():
            argv = [word.replace(key, value) for word in argv]
        done = cloud(*argv, fmt="json" if index == 0 else None, check=False, extra_env=spec.get("read_call_env"))
        if done.returncode and index == 0 and "unrecognized arguments: -f" in (done.stderr or ""):
            done = cloud(*argv, fmt=None, check=False, extra_env=spec.get("read_call_env"))
        if done.returncode:
            errors.append("openstack %s: %s" % (call, (done.stderr or "").strip()[-300:]))
            if index == 0:
                break
        elif index == 0:
            made = created_id(done.stdout, spec.get("write_id"))
            if made:
                values["{id}"] = made
    if not errors and "{out}" in " ".join(spec["write_calls"]):
        if pathlib.Path(values["{out}"]).read_bytes() != pathlib.Path(values["{file}"]).read_bytes():
            errors.append("the download differs from the upload")
    record.update(write_ok=not errors, write_error="; ".join(errors) or None)
    return record


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
def records(scenario, api, nodes, cloud, read_call_made, tmp_path_factory) -> dict:
    apis = scenario.deployed_apis()
    workdir = tmp_path_factory.mktemp("writes")
    project = cloud("token", "issue")["project_id"]
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
            check = specs[item.api].get("healthcheck")
            health = answer(api, f"{base}{item.prefix}{check['path']}", {})[0] if check else None
            found[item.api] = {
                "service": item.service, "api": item.api, "entrypoint": item.entrypoint, "prefix": item.prefix,
                "import_ok": not failed, "import_seconds": imported.get("import_seconds"),
                "version": imported.get("version"), "import_error": imported.get("msg") if failed else None,
                "status": status, "install_seconds": int(sizes[item.service][0]), "venv_mb": int(sizes[item.service][1]),
                "answers": status in (200, 300) and bool(VERSION_DOC.search(body)),
                "healthcheck": check["path"] if check else None, "healthcheck_status": health,
                "service_type": specs[item.api].get("service_type"),
                "endpoints": listed.get(specs[item.api].get("service_type"), []),
                **read_call(scenario, cloud, api, specs[item.api], item.prefix, read_call_made),
                **write_calls(cloud, specs[item.api], workdir, project)}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(list(found.values()), indent=4) + "\n", encoding="utf-8")
    return found


def test_entrypoint_imports(records, deployed_api):
    record = records[deployed_api.api]
    assert record["import_ok"], record["import_error"]


def test_prefix_answers_a_version_document(records, deployed_api):
    record = records[deployed_api.api]
    assert record["answers"], f"GET {record['prefix']}/: HTTP {record['status']}"


def test_healthcheck_answers_without_a_token(records, deployed_api):
    record = records[deployed_api.api]
    if not record["healthcheck"]:
        pytest.skip(f"{deployed_api.api} has no healthcheck (catalog): load balancers check GET {record['prefix']}/")
    assert record["healthcheck_status"] == 200, f"GET {record['prefix']}{record['healthcheck']}"


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


def test_write_round_trip_through_the_catalog(records, deployed_api):
    record = records[deployed_api.api]
    if record["write_worker"]:
        pytest.skip(f"{deployed_api.api}: every write call needs {record['write_worker']}, which is not deployed")
    if not record["write_calls"]:
        pytest.skip(f"{deployed_api.api}: no write calls in the catalog (not listed in keystone's catalog)")
    if not WRITE_CALLS:
        pytest.skip("OSAPI_TEST_WRITE_CALLS=0: no write round trips")
    assert record["write_ok"], record["write_error"]
