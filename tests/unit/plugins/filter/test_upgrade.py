"""Which upgrades and rollbacks playbooks/upgrade.yml and rollback.yml do, and how they are
recorded (plugins/plugin_utils/upgrade.py), from the real catalog."""
from __future__ import annotations

import pytest

from ansible_collections.osapi.wsgi.plugins.filter.upgrade import FilterModule
from ansible_collections.osapi.wsgi.plugins.plugin_utils import catalog as osapi_catalog
from ansible_collections.osapi.wsgi.plugins.plugin_utils import engine
from ansible_collections.osapi.wsgi.plugins.plugin_utils import upgrade

CATALOG = osapi_catalog.load()
NODES = {"api1": "28.1.0", "api2": "28.1.0"}


def test_every_upgrade_section_names_steps_and_commands_of_its_role():
    for name, entry in CATALOG.items():
        steps = entry.get("upgrade")
        if not steps:
            continue
        assert steps["expand"] and steps["contract"], name
        for step in steps["expand"] + steps["contract"]:
            assert step["name"] and step["argv"], (name, step)
        for series in entry["releases"]:
            assert upgrade.next_series(series)
        assert steps["replaces"], name


@pytest.mark.parametrize("service,version,series", [
    ("keystone", "28.1.0", "2025.2"), ("keystone", "29.1.0", "2026.1"), ("placement", "14.0.0", "2025.2"),
    ("keystone", "27.0.0", "2025.1"), ("nova", "33.0.2", "2026.1"), ("keystone", "99.0.0", None), ("keystone", ">=30", None),
])
def test_series_from_the_release_table(service, version, series):
    assert upgrade.series(CATALOG[service], version) == series


@pytest.mark.parametrize("name,allowed", [
    ("2026.1", ["2026.2", "2027.1"]),
    ("2025.2", ["2026.1"]),
])
def test_the_next_series_and_from_a_slurp_the_next_slurp(name, allowed):
    assert upgrade.allowed_series(name) == allowed


def test_a_series_name_that_is_not_one_is_a_caller_bug():
    with pytest.raises(upgrade.UpgradeError):
        upgrade.next_series("gazpacho")


@pytest.mark.parametrize("current,target", [
    ("28.1.0", "29.1.0"),  # next series
    ("28.0.1", "28.1.0"),  # a point release of the same series
    ("27.0.0", "29.1.0"),  # SLURP to SLURP: 2025.1 -> 2026.1
    ("29.1.0", "29.1.0"),
])
def test_supported_jumps(current, target):
    assert upgrade.check_jump(CATALOG["keystone"], "keystone", current, target) == []


# keystone's entry with later series, as a catalog of 2027 would list them
LATER = dict(CATALOG["keystone"], releases={
    "2025.2": "28.1.0", "2026.1": "29.1.0", "2026.2": "30.0.0", "2027.1": "31.0.0", "2027.2": "32.0.0"})


@pytest.mark.parametrize("current,target,words", [
    ("28.1.0", "30.0.0", ["keystone_version is 30.0.0 (2026.2)", "2025.2", "next release (2026.1)", "in steps"]),
    ("28.1.0", "33.0.0", ["keystone_version", "has no series with the major version of 33.0.0", "keystone releases"]),
    ("29.1.0", "28.1.0", ["keystone_version is 28.1.0", "downgrade", "rollback.yml"]),
    ("28.1.0", ">=30", ["keystone_version is '>=30'", "exact release"]),
    ("28.1.0", "", ["keystone_version is ''", "exact release"]),
])
def test_refused_jumps_name_the_variable_and_the_way(current, target, words):
    errors = upgrade.check_jump(LATER, "keystone", current, target)
    assert len(errors) == 1
    for word in words:
        assert word in errors[0]


def test_a_jump_past_the_next_slurp_is_refused_naming_it():
    assert upgrade.check_jump(LATER, "keystone", "29.1.0", "31.0.0") == []
    errors = upgrade.check_jump(LATER, "keystone", "29.1.0", "32.0.0")
    assert "next SLURP (2027.1)" in errors[0] and "2027.2" in errors[0]


def test_a_service_without_an_upgrade_section_is_refused():
    errors = upgrade.check_jump(CATALOG["heat"], "heat", "1.0.0", "2.0.0")
    assert "heat has no upgrade procedure" in errors[0]


def test_a_new_upgrade_expands_moves_every_node_then_contracts():
    plan = upgrade.upgrade_plan(CATALOG, "keystone", NODES, "29.1.0")
    assert plan["errors"] == []
    assert (plan["from"], plan["to"], plan["phase"]) == ("28.1.0", "29.1.0", "expand")
    assert [step["argv"] for step in plan["expand"]] == [["keystone-manage", "db_sync", "--expand"]]
    assert [step["argv"] for step in plan["contract"]] == [["keystone-manage", "db_sync", "--contract"]]
    assert plan["nodes"] == ["api1", "api2"]
    assert plan["replaces"] == ["db_sync"]
    assert plan["contract_now"] is True
    text = "\n".join(plan["lines"])
    assert "keystone-manage db_sync --expand" in text and "api1, api2" in text and "no longer be rolled back" in text


def test_placement_and_nova_follow_their_upgrade_guides():
    placement = upgrade.upgrade_plan(CATALOG, "placement", {"a": "14.0.0"}, "15.0.0")
    assert [step["argv"] for step in placement["expand"]] == [["placement-manage", "db", "sync"]]
    assert [step["argv"] for step in placement["contract"]] == [["placement-manage", "db", "online_data_migrations"]]
    nova = upgrade.upgrade_plan(CATALOG, "nova", {"a": "32.2.1"}, "33.0.2")
    assert [step["argv"] for step in nova["expand"]] == [["nova-manage", "api_db", "sync"], ["nova-manage", "db", "sync"]]
    assert [step["argv"] for step in nova["contract"]] == [["nova-manage", "db", "online_data_migrations"]]
    assert nova["replaces"] == ["api_db_sync", "db_sync"]


def test_stopping_before_the_contract_keeps_the_way_back_open():
    plan = upgrade.upgrade_plan(CATALOG, "keystone", NODES, "29.1.0", contract=False)
    assert plan["contract"] == [] and plan["contract_now"] is False
    assert "rollback.yml" in plan["lines"][-1]


def test_an_open_upgrade_resumes_with_the_nodes_not_moved_yet():
    state = {"keystone": {"from": "28.1.0", "to": "29.1.0", "phase": "nodes", "nodes": ["api1"]}}
    plan = upgrade.upgrade_plan(CATALOG, "keystone", {"api1": "29.1.0", "api2": "28.1.0"}, "29.1.0", state)
    assert plan["errors"] == []
    assert plan["phase"] == "nodes" and plan["expand"] == [] and plan["nodes"] == ["api2"]
    assert plan["from"] == "28.1.0"


def test_a_run_that_stopped_in_the_contract_runs_it_again():
    state = {"keystone": {"from": "28.1.0", "to": "29.1.0", "phase": "contracting", "nodes": ["api1", "api2"]}}
    plan = upgrade.upgrade_plan(CATALOG, "keystone", {"api1": "29.1.0", "api2": "29.1.0"}, "29.1.0", state)
    assert plan["phase"] == "contract" and plan["nodes"] == [] and plan["contract_now"]


def test_nothing_to_do_when_every_node_runs_the_release():
    done = {"keystone": {"from": "28.1.0", "to": "29.1.0", "phase": "done", "nodes": ["api1"]}}
    plan = upgrade.upgrade_plan(CATALOG, "keystone", {"api1": "29.1.0"}, "29.1.0", done)
    assert plan["errors"] == [] and plan["phase"] == "none" and "nothing to upgrade" in plan["lines"][0]


@pytest.mark.parametrize("versions,state,target,words", [
    ({"api1": "28.1.0", "api2": "29.1.0"}, {}, "29.1.0", ["different releases", "api1 28.1.0", "rolling.yml"]),
    (NODES, {"keystone": {"from": "28.1.0", "to": "29.1.0", "phase": "nodes", "nodes": []}}, "29.1.1",
     ["is open", "keystone_version=29.1.0", "rollback.yml"]),
    (NODES, {}, "30.0.0", ["has no series with the major version of 30.0.0"]),
])
def test_refused_upgrades(versions, state, target, words):
    plan = upgrade.upgrade_plan(CATALOG, "keystone", versions, target, state, outside=["keystone"])
    text = " ".join(plan["errors"])
    for word in words:
        assert word in text


def test_the_target_is_the_series_release_unless_the_service_may_leave_the_series():
    plan = upgrade.upgrade_plan(CATALOG, "keystone", NODES, "", series="2026.1")
    assert (plan["from"], plan["to"], plan["from_series"], plan["to_series"]) == ("28.1.0", "29.1.0", "2025.2", "2026.1")
    refused = upgrade.upgrade_plan(CATALOG, "keystone", NODES, "29.0.2", series="2026.1")["errors"]
    assert "osapi_wsgi_versions_outside_series" in refused[0]
    assert upgrade.upgrade_plan(CATALOG, "keystone", NODES, "29.0.2", outside=["keystone"])["to"] == "29.0.2"
    assert "osapi_wsgi_openstack_series is '2026.2'" in upgrade.upgrade_plan(
        CATALOG, "keystone", NODES, "", series="2026.2")["errors"][0]
    slurp = upgrade.upgrade_plan(CATALOG, "keystone", {"api1": "27.1.0"}, "", series="2026.1")
    assert slurp["errors"] == [] and slurp["from_series"] == "2025.1" and slurp["to"] == "29.1.0"


def test_an_unknown_service_or_an_empty_group_is_refused():
    assert "osapi_wsgi_upgrade_service is 'keystone2'" in upgrade.upgrade_plan(CATALOG, "keystone2", NODES, "29.1.0")["errors"][0]
    assert "no hosts in group keystone" in upgrade.upgrade_plan(CATALOG, "keystone", {}, "29.1.0")["errors"][0]


OPEN = {"keystone": {"from": "28.1.0", "to": "29.1.0", "phase": "nodes", "nodes": ["api1", "api2"]}}


def test_a_rollback_before_the_contract_takes_the_named_nodes_back():
    versions = {"api1": "29.1.0", "api2": "29.1.0"}
    plan = upgrade.rollback_plan(CATALOG, "keystone", versions, OPEN, ["api2"])
    assert plan["errors"] == []
    assert (plan["from"], plan["to"], plan["nodes"], plan["replaces"]) == ("29.1.0", "28.1.0", ["api2"], ["db_sync"])
    assert upgrade.rollback_plan(CATALOG, "keystone", versions, OPEN)["nodes"] == ["api1", "api2"]


@pytest.mark.parametrize("phase", ["contracting", "done"])
def test_a_rollback_after_the_contract_is_refused(phase):
    state = {"keystone": dict(OPEN["keystone"], phase=phase)}
    errors = upgrade.rollback_plan(CATALOG, "keystone", {"api1": "29.1.0"}, state)["errors"]
    assert "there is no rollback" in errors[0] and "osapi_wsgi_upgrade_contract: false" in errors[0]


def test_a_rollback_without_an_upgrade_or_of_unknown_hosts_is_refused():
    assert "no upgrade is recorded" in upgrade.rollback_plan(CATALOG, "keystone", {"api1": "29.1.0"}, {})["errors"][0]
    errors = upgrade.rollback_plan(CATALOG, "keystone", {"api1": "29.1.0"}, OPEN, ["api9"])["errors"]
    assert "osapi_wsgi_rollback_hosts names hosts that are not keystone nodes: api9" in errors[0]


def test_the_record_follows_the_phases():
    plan = upgrade.upgrade_plan(CATALOG, "keystone", NODES, "29.1.0")
    state = upgrade.upgrade_record({"placement": {"phase": "done"}}, "keystone", "expanding", plan, when="t0")
    assert state["keystone"] == {"from": "28.1.0", "to": "29.1.0", "phase": "expanding", "nodes": [], "updated": "t0"}
    state = upgrade.upgrade_record(state, "keystone", "nodes", plan, node="api1")
    state = upgrade.upgrade_record(state, "keystone", "nodes", plan, node="api2")
    assert state["keystone"]["nodes"] == ["api1", "api2"]
    rollback = upgrade.rollback_plan(CATALOG, "keystone", {"api1": "29.1.0", "api2": "29.1.0"}, state, ["api2"])
    state = upgrade.upgrade_record(state, "keystone", "nodes", rollback, moved_back="api2")
    assert state["keystone"]["nodes"] == ["api1"] and state["keystone"]["from"] == "28.1.0"
    assert state["placement"] == {"phase": "done"}
    with pytest.raises(upgrade.UpgradeError):
        upgrade.upgrade_record(state, "keystone", "halfway")


def test_a_new_upgrade_after_a_finished_one_starts_a_new_record():
    done = {"keystone": {"from": "27.0.0", "to": "28.1.0", "phase": "done", "nodes": ["api1"]}}
    plan = upgrade.upgrade_plan(CATALOG, "keystone", {"api1": "28.1.0"}, "29.1.0", done)
    state = upgrade.upgrade_record(done, "keystone", "expanding", plan)
    assert state["keystone"]["from"] == "28.1.0" and state["keystone"]["nodes"] == []


def test_the_filters_turn_caller_bugs_into_filter_errors():
    from ansible.errors import AnsibleFilterError
    filters = FilterModule().filters()
    assert set(filters) == {"upgrade_services", "upgrade_plan", "rollback_plan", "upgrade_record"}
    with pytest.raises(AnsibleFilterError):
        filters["upgrade_record"]({}, "keystone", "halfway")


def test_node_deploys_leave_out_the_commands_an_upgrade_replaces():
    entry = CATALOG["keystone"]
    commands = [{"name": "fernet_setup", "argv": ["keystone-manage", "fernet_setup"]},
                {"name": "db_sync", "argv": ["keystone-manage", "db_sync"]}]
    svc = engine.resolve_service(entry, "keystone", {"commands": commands, "skip_commands": ["db_sync"]},
                                 "/opt/openstack", "127.0.0.1")
    assert [cmd["name"] for cmd in svc["commands"]] == ["fernet_setup"]
    svc = engine.resolve_service(entry, "keystone", {"commands": commands}, "/opt/openstack", "127.0.0.1")
    assert [cmd["name"] for cmd in svc["commands"]] == ["fernet_setup", "db_sync"]


GROUPS = {"all": ["api1", "api2", "lb"], "keystone": ["api1", "api2"], "placement": ["api1", "api2"],
          "glance": [], "haproxy": ["lb"]}


def test_without_a_service_named_every_service_with_hosts_is_upgraded_keystone_first():
    groups = dict(GROUPS, placement=["api1"], keystone=["api2"])
    chosen = upgrade.upgrade_services(CATALOG, {"placement": ["api1"], "keystone": ["api2"]})
    assert chosen == {"errors": [], "services": ["keystone", "placement"]}
    assert upgrade.upgrade_services(CATALOG, groups, "placement")["services"] == ["placement"]
    # rollback.yml: one service, named
    assert upgrade.upgrade_services(CATALOG, groups, "keystone", every=False)["services"] == ["keystone"]


@pytest.mark.parametrize("service,every,series,groups,expect", [
    ("keystonee", True, "", GROUPS, ["osapi_wsgi_upgrade_service is 'keystonee'", "keystone, placement", "leave it unset"]),
    ("glance", True, "", GROUPS, ["osapi_wsgi_upgrade_service is 'glance'", "no hosts in group glance"]),
    ("", False, "", GROUPS, ["Set osapi_wsgi_upgrade_service", "roll back", "keystone, placement"]),
    ("", True, "", {"haproxy": ["lb"]}, ["No catalog service has hosts", "osapi_wsgi_upgrade_service"]),
    # the series to move to is checked once, before the first service
    ("keystone", True, "2099.1", GROUPS, ["osapi_wsgi_openstack_series is '2099.1'", "2026.1"]),
    # a service without an upgrade procedure: refused before the others move
    ("", True, "2026.1", dict(GROUPS, heat=["api1"], barbican=["api2"]),
     ["heat, barbican have no upgrade procedure", "keystone, placement", "playbooks/rolling.yml"]),
])
def test_a_run_that_would_not_know_what_to_upgrade_is_refused_naming_the_variable(service, every, series, groups, expect):
    chosen = upgrade.upgrade_services(CATALOG, groups, service, every=every, series=series)
    assert chosen["services"] == [] and len(chosen["errors"]) == 1
    for text in expect:
        assert text in chosen["errors"][0], (text, chosen["errors"])
