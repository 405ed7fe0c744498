"""Every keystone node runs the same series, release and packages (docs/releases.md): what each
node's registry records matches what is installed in its venv and what the other nodes run."""
import json

REGISTRY = "/etc/ansible/facts.d/osapi_wsgi.fact"


def recorded(node) -> dict:
    return json.loads(node.file(REGISTRY).content_string)["keystone"]


def test_the_registry_records_the_series_release_and_installed_packages(nodes, scenario):
    series = scenario.vars().get("osapi_wsgi_openstack_series", "2026.1")  # the role's default
    for host in scenario.hosts("keystone"):
        entry = recorded(nodes[host])
        assert entry["series"] == series, (host, entry["series"])
        assert f"keystone=={entry['version']}" in entry["installed"], host
        # what the registry lists is what the venv holds (pip freeze, names normalized)
        frozen = nodes[host].check_output("/opt/openstack/keystone/bin/python -m pip freeze --all").splitlines()
        normalized = sorted({line.split("==")[0].replace("_", "-").replace(".", "-").lower() + "==" + line.split("==")[1]
                             for line in frozen if "==" in line})
        assert normalized == entry["installed"], host


def test_every_node_runs_the_same_packages(nodes, scenario):
    entries = {host: recorded(nodes[host]) for host in scenario.hosts("keystone")}
    assert len({(entry["series"], entry["version"], entry["installed_digest"]) for entry in entries.values()}) == 1, {
        host: (entry["series"], entry["version"], entry["installed_digest"]) for host, entry in entries.items()}
    # at the series' upper-constraints: SQLAlchemy as 2026.1 pins it, not PyPI's newest
    assert "sqlalchemy==2.0.46" in next(iter(entries.values()))["installed"]
