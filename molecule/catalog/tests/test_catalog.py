"""Every deployed catalog API imports in its venv (osapi.wsgi.wsgi_entrypoint) and answers
GET <prefix>/ through Apache with a version document (with a keystone token where the catalog
says token_required). The per-API results, with each venv's install time and size, are written
to .cache/catalog-results.json, the input of scripts/gen-support-matrix.py, before any assert."""
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


@pytest.fixture(scope="module")
def records(scenario, api, nodes) -> dict:
    apis = scenario.deployed_apis()
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
                "answers": status in (200, 300) and bool(VERSION_DOC.search(body))}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(list(found.values()), indent=4) + "\n", encoding="utf-8")
    return found


def test_entrypoint_imports(records, deployed_api):
    record = records[deployed_api.api]
    assert record["import_ok"], record["import_error"]


def test_prefix_answers_a_version_document(records, deployed_api):
    record = records[deployed_api.api]
    assert record["answers"], f"GET {record['prefix']}/: HTTP {record['status']}"
