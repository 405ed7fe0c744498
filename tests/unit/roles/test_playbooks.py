"""playbooks/rolling.yml and playbooks/deploy.yml take the deploy order from the catalog;
upgrade.yml and rollback.yml move nodes like rolling.yml."""
from __future__ import annotations

import pathlib

import yaml

from ansible_collections.osapi.wsgi.plugins.plugin_utils import catalog as osapi_catalog

PLAYBOOKS = pathlib.Path(__file__).resolve().parents[3] / "playbooks"
ORDER = "lookup('osapi.wsgi.catalog', deploy_order=true)"


def load(name: str):
    with (PLAYBOOKS / name).open() as handle:
        return yaml.safe_load(handle)


def test_both_playbooks_read_the_deploy_order_from_the_catalog():
    for name in ("deploy.yml", "rolling.yml"):
        text = (PLAYBOOKS / name).read_text()
        assert ORDER in text, name
        assert "__osapi_wsgi_deploy_order" not in text, name
    rolling = load("rolling.yml")[0]
    assert rolling["serial"] == 1
    assert rolling["any_errors_fatal"] is True


def test_deploy_puts_haproxy_before_the_apis():
    # the services registered in keystone's catalog reach keystone through HAProxy
    plays = load("deploy.yml")
    roles = [play.get("roles", [{}])[0].get("role") for play in plays]
    api_play = next(index for index, play in enumerate(plays) if ORDER in str(play.get("tasks")))
    assert roles.index("osapi.wsgi.backends") < roles.index("osapi.wsgi.haproxy") < api_play == len(plays) - 2
    # then the check that every node of a service runs the same packages
    assert "package_set_errors" in str(plays[-1]["tasks"])


def test_upgrade_and_rollback_move_one_node_at_a_time_through_the_shared_drain_steps():
    for name in ("rolling.yml", "tasks/node_release.yml"):
        text = (PLAYBOOKS / name).read_text()
        assert "node_drain.yml" in text and "node_ready.yml" in text, name
    for name in ("upgrade_service.yml", "rollback.yml"):
        assert "tasks/node_release.yml" in (PLAYBOOKS / name).read_text(), name
    for name in ("upgrade_service.yml", "rollback.yml"):
        moving = [play for play in load(name) if "one by one" in play["name"]]
        assert moving and all(play["serial"] == 1 for play in moving), name


def test_upgrade_imports_one_service_upgrade_per_catalog_service_in_the_deploy_order():
    """upgrade.yml without osapi_wsgi_upgrade_service upgrades the inventory's services in the
    deploy order, keystone first: its imports are the catalog's services, in that order, and
    each service's plays stop the whole run on a failure."""
    plays = load("upgrade.yml")
    assert "upgrade_services" in (PLAYBOOKS / "tasks" / "upgrade_service_check.yml").read_text()
    assert plays[0]["hosts"] == "localhost"
    imported = [(play["ansible.builtin.import_playbook"], play["vars"]["__upgrade_this"]) for play in plays[1:]]
    assert imported == [("upgrade_service.yml", name) for name in osapi_catalog.deploy_order(osapi_catalog.load())]
    for play in load("upgrade_service.yml"):
        assert play["any_errors_fatal"] is True, play["name"]
        assert "__upgrade_this" in play["hosts"] and "__upgrade_services" in play["hosts"], play["name"]


def test_the_declared_ansible_core_floor_is_the_release_line_the_suite_runs():
    """meta/runtime.yml's requires_ansible is what CI proves: the suite's pinned ansible-core
    (requirements-dev.txt) is of the declared floor's release line, and every role's
    galaxy_info says the same floor."""
    root = PLAYBOOKS.parent
    floor = yaml.safe_load((root / "meta" / "runtime.yml").read_text())["requires_ansible"]
    pinned = next(line.split("==")[1].strip() for line in (root / "requirements-dev.txt").read_text().splitlines()
                  if line.startswith("ansible-core=="))
    assert floor.startswith(">=")
    assert floor[2:].split(".")[:2] == pinned.split(".")[:2], (floor, pinned)
    for meta in sorted((root / "roles").glob("*/meta/main.yml")):
        declared = yaml.safe_load(meta.read_text())["galaxy_info"]["min_ansible_version"]
        assert declared == ".".join(pinned.split(".")[:2]), (meta, declared)
