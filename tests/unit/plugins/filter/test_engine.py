"""The engine's decisions (plugins/plugin_utils/engine.py), and the filters and lookup that
expose them to the roles."""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

from ansible_collections.osapi.wsgi.plugins.filter.engine import FilterModule
from ansible_collections.osapi.wsgi.plugins.plugin_utils import catalog as osapi_catalog
from ansible_collections.osapi.wsgi.plugins.plugin_utils import engine
from ansible_collections.osapi.wsgi.plugins.plugin_utils import keystone
from ansible_collections.osapi.wsgi.plugins.plugin_utils import haproxy

CATALOG = osapi_catalog.load()


@pytest.mark.parametrize("address,port,expected", [
    ("127.0.0.1", 80, "127.0.0.1:80"),
    ("::1", 8080, "[::1]:8080"),
    ("2001:db8::10", "443", "[2001:db8::10]:443"),
    ("::", 80, "[::]:80"),
    ("::1", None, "[::1]"),
    ("127.0.0.11", None, "127.0.0.11"),
    ("api1", 80, "api1:80"),
])
def test_hostport_brackets_ipv6_only(address, port, expected):
    assert engine.hostport(address, port) == expected


@pytest.mark.parametrize("listen,connect,fallback,expected", [
    ("0.0.0.0", "", "127.0.0.1", "127.0.0.1"),
    ("::", "", "127.0.0.1", "127.0.0.1"),
    ("127.0.0.11", "", "127.0.0.1", "127.0.0.11"),
    # the connect address wins, also over a specific listen address (rolling.yml ignored it)
    ("127.0.0.11", "127.0.0.12", "127.0.0.1", "127.0.0.12"),
    ("0.0.0.0", "::1", "127.0.0.1", "::1"),
    ("0.0.0.0", "", "api1", "api1"),
    ("", "", "api1", "api1"),
])
def test_connect_address(listen, connect, fallback, expected):
    assert engine.connect_address(listen, connect, fallback) == expected


def test_token_required_api_accepts_401():
    freezer = engine.apis(CATALOG["freezer_api"])
    assert all(401 in api["ok_status"] for api in freezer if api.get("token_required"))
    assert any(api.get("token_required") for api in freezer)
    assert engine.apis(CATALOG["keystone"])[0]["ok_status"] == [200, 300]


def test_prefixes_and_entrypoints_of_the_operator_win():
    apis = engine.apis(CATALOG["keystone"], {"keystone-api": "/id"}, {"keystone-api": "k.api:app"})
    assert apis[0]["prefix"] == "/id" and apis[0]["entrypoint"] == "k.api:app"
    assert engine.apis(CATALOG["keystone"], "not a mapping")[0]["prefix"] == "/identity"


def resolve(name="cinder", **settings):
    return engine.resolve_service(CATALOG[name], name, dict({"wsgi_mode": "uwsgi", "wsgi_processes": 3,
                                                            "wsgi_threads": 1, "version": ""}, **settings),
                                  "/opt/openstack", "127.0.0.13",
                                  cloud_config={"DEFAULT": {"transport_url": "cloud://", "debug": "cloud"},
                                                "database": {"connection": "cloud"}},
                                  config_overrides={"DEFAULT": {"debug": "shared"}}, inventory_hostname="api1")


def test_config_layers_in_order():
    svc = resolve(config={"DEFAULT": {"debug": "role"}, "database": {"connection": "role"}},
                  config_overrides={"database": {"connection": "operator"}})
    assert svc["config"]["DEFAULT"] == {"log_file": "/var/log/cinder/cinder.log", "transport_url": "cloud://",
                                        "debug": "shared"}
    assert svc["config"]["database"] == {"connection": "operator"}
    # uwsgi mode: no standalone listen options
    assert "osapi_volume_listen" not in svc["config"]["DEFAULT"]


def test_eventlet_mode_points_the_standalone_server_at_the_connect_address():
    svc = resolve(wsgi_mode="eventlet", config_overrides={"DEFAULT": {"osapi_volume_listen": "0.0.0.0"}})
    default = svc["config"]["DEFAULT"]
    assert default["osapi_volume_listen"] == "127.0.0.13"
    assert default["osapi_volume_listen_port"] == 8776
    assert default["osapi_volume_workers"] == 3


def test_resolved_definition():
    svc = resolve(primary_host=None, pip_extra_packages=["PyMySQL"])
    assert svc["version"] == "28.0.0" and svc["series"] == "2026.1" and svc["venv"] == "/opt/openstack/cinder"
    assert (svc["user"], svc["etc_dir"], svc["primary"]) == ("cinder", "/etc/cinder", "api1")
    assert svc["pip_extra"] == ["PyMySQL"] and svc["package"] == "cinder"
    freezer = engine.resolve_service(CATALOG["freezer_api"], "freezer_api", {}, "/v", "127.0.0.1")
    assert freezer["user"] == CATALOG["freezer_api"].get("project", "freezer_api")


def test_registry_entry_records_ports_in_eventlet_mode_only():
    assert engine.registry_entry(resolve(wsgi_mode="eventlet"))["apis"] == [
        {"name": "cinder-api", "prefix": "/volume", "port": 8776}]
    assert engine.registry_entry(resolve())["apis"][0]["port"] is None


def test_planned_services_win_over_the_registry():
    registry = {"placement": {"mode": "uwsgi", "apis": [{"name": "placement-api", "prefix": "/old", "port": None}]},
                "keystone": {"mode": "uwsgi", "apis": [{"name": "keystone-api", "prefix": "/identity", "port": None}]}}
    others = engine.host_apis(CATALOG, "keystone", registry, {"placement": ["eventlet", {"placement-api": "/new"}]})
    assert others == [{"service": "placement", "name": "placement-api", "prefix": "/new", "port": None}]


def test_node_apis_in_service_order():
    apis = engine.node_apis(CATALOG, ["keystone", "nova"], [{}, {"nova-api": "/c"}])
    assert [(api["service"], api["prefix"]) for api in apis][:2] == [("keystone", "/identity"), ("nova", "/c")]


def test_haproxy_backends_over_ipv6_and_connect_addresses():
    groups = {"keystone": ["api1", "api2", "api3"], "haproxy": ["lb"]}
    hostvars = {"api1": {"osapi_wsgi_listen_address": "::1", "osapi_wsgi_http_port": 8080},
                "api2": {"osapi_wsgi_listen_address": "0.0.0.0", "osapi_wsgi_connect_address": "127.0.0.3"},
                "api3": {"ansible_host": "192.0.2.3"}}
    services = haproxy.haproxy_services(CATALOG, [], groups)
    assert services == ["keystone"]
    backends = haproxy.haproxy_backends(CATALOG, services, groups, hostvars)
    assert [srv["hostport"] for srv in backends[0]["servers"]] == ["[::1]:8080", "127.0.0.3:80", "192.0.2.3:80"]
    assert backends[0]["prefix"] == "/identity"
    assert haproxy.haproxy_backends(CATALOG, ["keystone"], {"identity": ["api1"]}, hostvars,
                                    {"keystone": "identity"})[0]["servers"][0]["name"] == "api1"


def test_merge_replaces_what_is_not_a_mapping():
    assert engine.merge({"a": {"b": 1}}, {"a": "x"}, {"c": {"d": 1}}, {"c": {"e": 2}}) == {"a": "x", "c": {"d": 1, "e": 2}}


def test_deploy_order_keystone_first_then_the_catalog():
    order = osapi_catalog.deploy_order(CATALOG)
    assert order[0] == "keystone" and sorted(order) == sorted(CATALOG)
    assert osapi_catalog.deploy_order({"b": {}, "keystone": {}, "a": {}}) == ["keystone", "b", "a"]


def test_unknown_service_names_the_known_ones():
    with pytest.raises(osapi_catalog.CatalogError, match="'nope' is not in the osapi.wsgi service catalog.*keystone"):
        osapi_catalog.entry(CATALOG, "nope")


def test_catalog_file_without_the_public_key(tmp_path):
    path = tmp_path / "catalog.yml"
    path.write_text("__osapi_wsgi_catalog: {keystone: {}}\n")
    with pytest.raises(osapi_catalog.CatalogError, match="osapi_wsgi_catalog"):
        osapi_catalog.load(str(path))


def test_entrypoint_rule_is_the_modules():
    """The settings check and the wsgi_entrypoint module accept the same entrypoints."""
    svc = resolve(entrypoints={"cinder-api": "cinder.wsgi.api:Holder.app"})
    assert engine.check_service(svc) == []


def test_lookup_and_filters_through_ansible(tmp_path):
    """The lookup and the filters as the roles call them, in a real ansible run on localhost."""
    root = pathlib.Path(sys.modules["ansible_collections.osapi.wsgi"].__path__[0]).parents[1]
    playbook = tmp_path / "play.yml"
    playbook.write_text("""
- hosts: localhost
  gather_facts: false
  vars:
    placement_version: ""
    placement_wsgi_mode: "{{ 'uw' ~ 'sgi' }}"
    placement_wsgi_processes: 2
    placement_wsgi_threads: 1
    placement_config: {api: {auth_strategy: keystone}}
    __placement_commands: [{name: db_sync}]
  tasks:
    - ansible.builtin.debug:
        msg:
          settings: "{{ lookup('osapi.wsgi.service_settings', 'placement') }}"
          order: "{{ lookup('osapi.wsgi.catalog', deploy_order=true) }}"
          keystone: "{{ lookup('osapi.wsgi.catalog', 'keystone').apis[0].prefix }}"
          services: "{{ lookup('osapi.wsgi.catalog').keys() | list | length }}"
          listen: "{{ '::1' | osapi.wsgi.hostport(8080) }}"
""")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(root), ANSIBLE_STDOUT_CALLBACK="json",
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), str(playbook)],
                          capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    msg = json.loads(done.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]["msg"]
    assert msg["order"] == osapi_catalog.deploy_order(CATALOG)
    assert msg["keystone"] == "/identity" and int(msg["services"]) == len(CATALOG)
    assert msg["listen"] == "[::1]:8080"
    # the role's variables, templated; the private ones; this host its own primary (no group)
    assert (msg["settings"]["wsgi_mode"], msg["settings"]["commands"]) == ("uwsgi", [{"name": "db_sync"}])
    assert (msg["settings"]["primary_host"], msg["settings"]["uwsgi_http_socket"]) == ("localhost", False)


def test_haproxy_node_servers_from_show_stat():
    header = "# pxname,svname," + ",".join(str(n) for n in range(2, 20))
    line = "keystone-api,api1," + ",".join(["0"] * 15) + ",UP,1"
    stats = [{"item": "lb1", "stdout_lines": [header, line, line.replace("api1", "api2"), "keystone-api,BACKEND"]},
             {"item": "lb2", "stdout_lines": [line.replace("keystone-api", "other-api")]}]
    servers = haproxy.haproxy_node_servers(stats, ["keystone-api"], "api1", {"lb1": {}, "lb2": {"haproxy_admin_socket": "/s"}})
    assert servers == [{"lb": "lb1", "backend": "keystone-api", "socket": "/run/haproxy/admin.sock"}]


def test_nova_metadata_stays_off_the_public_haproxy_frontend():
    groups = {"nova": ["api1"], "keystone": ["api1"]}
    hostvars = {"api1": {"osapi_wsgi_listen_address": "10.0.0.11"}}
    backends = haproxy.haproxy_backends(CATALOG, ["keystone", "nova"], groups, hostvars)
    public = haproxy.haproxy_frontends(backends, "192.0.2.5")
    assert [name for name, address, apis in public] == ["osapi"]
    assert [be["name"] for be in public[0][2]] == ["keystone-api", "nova-api"]
    both = haproxy.haproxy_frontends(backends, "192.0.2.5", "10.0.0.5")
    assert both[1][:2] == ["osapi_internal", "10.0.0.5"]
    assert [be["name"] for be in both[1][2]] == ["keystone-api", "nova-api", "nova-metadata"]


def test_eventlet_servers_listen_on_loopback_behind_apache():
    svc = engine.resolve_service(CATALOG["cinder"], "cinder", {"wsgi_mode": "eventlet", "wsgi_processes": 2},
                                 "/opt/openstack", "192.0.2.10")
    assert svc["config"]["DEFAULT"]["osapi_volume_listen"] == "127.0.0.1"
    assert svc["standalone_address"] == "127.0.0.1" and svc["connect_address"] == "192.0.2.10"
    svc = engine.resolve_service(CATALOG["cinder"], "cinder", {"wsgi_mode": "eventlet", "wsgi_processes": 2},
                                 "/opt/openstack", "127.0.0.13")
    assert svc["config"]["DEFAULT"]["osapi_volume_listen"] == "127.0.0.13"


@pytest.mark.parametrize("interval, token, keys", [
    # keystone's defaults (1 h tokens, 2 days of allow_expired_window), daily: ceil(176400 / 86400) + 3
    (86400, {}, 6),
    # the multinode scenario's rotation phase: 120 s tokens, no window, every 20 s
    (20, {"expiration": 120, "allow_expired_window": 0}, 9),
    ("3600", {"allow_expired_window": 0}, 4),
    # no rotation: keystone's own default
    (0, {}, 3),
])
def test_max_active_keys_follows_the_token_lifetime_and_the_interval(interval, token, keys):
    assert keystone.key_rotation(interval, token) == {"max_active_keys": keys, "errors": []}


def test_a_configured_max_active_keys_at_least_the_count_is_kept():
    assert keystone.key_rotation(86400, {}, {"max_active_keys": 10})["errors"] == []


def test_the_key_push_reaches_each_other_node_where_it_says():
    hostvars = {"k1": {"ansible_host": "10.0.0.1"}, "k2": {"keystone_key_push_address": "10.1.0.2", "ansible_host": "x"},
                "k3": {}}
    assert keystone.key_push(["k1", "k2", "k3"], hostvars, "k1", "2222") == {
        "primary": "10.0.0.1", "from": "10.0.0.1",
        "targets": [{"node": "k2", "address": "10.1.0.2", "port": 2222}, {"node": "k3", "address": "k3", "port": 2222}]}
    # a name: no from= pattern (sshd matches it against addresses)
    assert keystone.key_push(["k1", "k3"], hostvars, "k3")["from"] == ""
    with pytest.raises(engine.EngineError, match="keystone_key_push_port"):
        keystone.key_push(["k1"], hostvars, "k1", 0)


@pytest.mark.parametrize("config, validates", [
    ({"DEFAULT": {"auth_strategy": "keystone"}}, True),
    ({}, True),
    ({"DEFAULT": {"auth_strategy": "noauth"}}, False),
    ({"api": {"auth_strategy": "noauth2"}}, False),
    ({"paste_deploy": {"flavor": ""}}, False),
    ({"paste_deploy": {"flavor": "keystone"}}, True),
])
def test_the_authenticated_health_check_only_where_tokens_are_validated(config, validates):
    assert engine.validates_tokens(config) is validates


# The APIs whose health check makes no authenticated call, and why (docs/security.md)
WITHOUT_AUTH_CHECK = {
    "heat-api": "every authenticated path is answered by heat-engine over RPC, which is not deployed",
    "heat-api-cfn": "CloudFormation's API authenticates with EC2 signatures, not keystone tokens",
    "designate-api": "every authenticated path is answered by designate-central over RPC, which is not deployed",
    "nova-metadata": "the metadata API serves instances, signed by the metadata proxy, not keystone tokens",
    "freezer-api": "blocked: the service does not import at its series' constraints",
}


def test_every_api_has_an_auth_check_under_its_prefix_or_a_reason_not_to():
    apis = [api for entry in CATALOG.values() for api in engine.apis(entry)]
    checks = [api["auth_check"] for api in apis if api["auth_check"]]
    assert all(check.startswith("/") and check.replace("{project_id}", "").count("{") == 0 for check in checks), checks
    assert sorted(api["name"] for api in apis if not api["auth_check"]) == sorted(WITHOUT_AUTH_CHECK)


def test_unanswered_reads_each_api_against_its_own_ok_status():
    """rollback.yml's "its APIs answer again": a 401 is an answer of an API that needs a token
    even for its version document, not of one that does not."""
    keystone = engine.apis(CATALOG["keystone"])[0]
    token_only = dict(keystone, prefix="/t", token_required=True)
    token_only["ok_status"] = engine.ok_status(token_only)
    results = [{"__api": keystone, "status": 300}, {"__api": token_only, "status": 401}]
    assert engine.unanswered(results) == []
    assert engine.unanswered([{"__api": keystone, "status": 401}, {"__api": token_only, "status": 503}]) == [
        "/identity", "/t"]
    assert engine.unanswered([{"__api": keystone, "skipped": True}]) == ["/identity"]
    assert FilterModule().filters()["unanswered"]([{"__api": keystone, "status": 200}]) == []


def _reader(values):
    return lambda name: (name in values, values.get(name))


REQUIRED_INPUTS = {"placement_version": "", "placement_wsgi_mode": "uwsgi", "placement_wsgi_processes": 2,
                   "placement_wsgi_threads": 1, "placement_config": {}}


def test_service_inputs_read_the_role_s_variables_and_the_private_ones():
    values = dict(REQUIRED_INPUTS, placement_uwsgi_http_socket="yes", __placement_commands=[{"name": "db_sync"}])
    got = engine.service_inputs("placement", _reader(values), {"placement": ["n2", "n1"]}, "n1")
    assert got["uwsgi_http_socket"] is True and got["commands"] == [{"name": "db_sync"}]
    assert (got["pip_extra_packages"], got["primary_dirs"], got["request_timeout"]) == ([], [], "")
    # the group's first host, whichever node reads it
    assert got["primary_host"] == "n2"
    assert set(got) == set(engine.SETTINGS) | set(engine.PRIVATE_SETTINGS)


def test_the_primary_host_is_one_rule():
    groups = {"keystone": ["k1", "k2"]}
    assert engine.primary_host("keystone", groups, "k2") == "k1"
    assert engine.primary_host("keystone", groups, "k2", "k2") == "k2"
    # a host outside the group (a single all-in-one deploy of the role) is its own primary
    assert engine.primary_host("keystone", groups, "other") == "other"
    assert engine.primary_of("keystone", groups, {"k1": {}, "k2": {}}) == "k1"
    assert engine.primary_of("keystone", groups, {"k1": {"keystone_primary_host": "k2"}}) == "k2"
    with pytest.raises(engine.EngineError, match="no host in the placement group"):
        engine.primary_of("placement", groups, {})


def test_the_playbooks_read_single_settings_without_the_role():
    assert engine.service_inputs("placement", _reader({"placement_version": "15.0.0"}), only=["version"]) == {
        "version": "15.0.0"}
    assert engine.service_inputs("placement", _reader({}), only=["version"]) == {"version": ""}
    with pytest.raises(engine.EngineError, match="unknown service settings"):
        engine.service_inputs("placement", _reader({}), only=["versoin"])


def test_a_required_input_that_is_missing_names_the_variable():
    values = dict(REQUIRED_INPUTS)
    del values["placement_config"]
    with pytest.raises(engine.EngineError, match="placement_config is not set"):
        engine.service_inputs("placement", _reader(values), {}, "n1")
