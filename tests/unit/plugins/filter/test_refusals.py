"""Every setting the engine refuses before any change (refusals.yml), without a host.

Each case feeds the operator's bad settings over the roles' defaults into the same
functions the roles call (plugins/plugin_utils/engine.py) and checks that the check
refuses them with a message naming the variable. The records go to
.cache/faults/unit.json, which scripts/gen-fault-table.py adds to docs/faults.md.
"""
from __future__ import annotations

import json
import pathlib

import pytest
import yaml

from ansible_collections.osapi.wsgi.plugins.plugin_utils import catalog as osapi_catalog
from ansible_collections.osapi.wsgi.plugins.plugin_utils import engine
from ansible_collections.osapi.wsgi.plugins.plugin_utils import haproxy
from ansible_collections.osapi.wsgi.plugins.plugin_utils import keystone
from ansible_collections.osapi.wsgi.plugins.plugin_utils import secrets
from ansible_collections.osapi.wsgi.plugins.plugin_utils import series as osapi_series

REPO = pathlib.Path(__file__).resolve().parents[4]
CASES = yaml.safe_load((pathlib.Path(__file__).with_name("refusals.yml")).read_text())
CATALOG = osapi_catalog.load()
SHARED_DEFAULTS = yaml.safe_load((REPO / "roles" / "osapi_wsgi" / "defaults" / "main.yml").read_text())
HAPROXY_DEFAULTS = yaml.safe_load((REPO / "roles" / "haproxy" / "defaults" / "main.yml").read_text())
RECORDS = REPO / ".cache" / "faults" / "unit.json"


def shared(overrides=None):
    """osapi_wsgi_* settings: the role defaults (processes as on a 2-vCPU host; the public
    address, a template there, as the connect address) and overrides."""
    values = dict(SHARED_DEFAULTS, osapi_wsgi_processes=2, osapi_wsgi_public_address="")
    values.update(overrides or {})
    if "osapi_wsgi_memcached_tls" not in (overrides or {}):
        # its default: with TLS, from the series whose services can reach memcached over TLS
        values["osapi_wsgi_memcached_tls"] = bool(values["osapi_wsgi_tls_enabled"]) and \
            osapi_series.memcached_tls_supported(values["osapi_wsgi_openstack_series"])
    return {key[len("osapi_wsgi_"):]: value for key, value in values.items()}


def role_defaults(service):
    return yaml.safe_load((REPO / "roles" / service / "defaults" / "main.yml").read_text())


def service(name, overrides=None, shared_overrides=None):
    """The service as resolve_service makes it from its role's defaults and the overrides."""
    values = dict(role_defaults(name), **(overrides or {}))
    common = shared(shared_overrides)
    prefix = name + "_"
    settings = {key[len(prefix):]: value for key, value in values.items() if key.startswith(prefix)}
    # the roles' defaults point at the shared settings: {{ osapi_wsgi_mode }}, ...
    for key in ("wsgi_mode", "wsgi_processes", "wsgi_threads"):
        if str(settings.get(key, "")).startswith("{{"):
            settings[key] = common[key[len("wsgi_"):]]
    settings["config"] = {}
    connect = engine.connect_address(common["listen_address"], common["connect_address"])
    return engine.resolve_service(CATALOG[name], name, settings, common["venv_root"], connect,
                                  config_overrides=common["config_overrides"], inventory_hostname="api1",
                                  series=common["openstack_series"], outside_series=common["versions_outside_series"])


def errors_of(case):
    given = case["input"]
    if case["check"] == "shared":
        settings = shared({k: v for k, v in given.items() if k.startswith("osapi_wsgi_")})
        return engine.check_shared(settings, case.get("os_family", "Debian"), case.get("distribution", "Debian"),
                                   case.get("major", "12"))
    if case["check"] == "service":
        name = case["service"]
        svc = service(name, {k: v for k, v in given.items() if k.startswith(name + "_")},
                      {k: v for k, v in given.items() if k.startswith("osapi_wsgi_")})
        planned = {svc_name: ["uwsgi", settings.get("url_prefixes", {})]
                   for svc_name, settings in (case.get("planned") or {}).items()}
        others = engine.host_apis(CATALOG, name, case.get("registry") or {}, planned)
        # what the host's registry recorded of the service itself: a plain deploy may not change it
        recorded = (case.get("registry") or {}).get(name)
        return engine.check_service(svc, others, given.get("osapi_wsgi_http_port", SHARED_DEFAULTS["osapi_wsgi_http_port"]),
                                    recorded=recorded, packages=case.get("packages"))
    if case["check"] == "secret":
        formats = secrets.catalog_formats(CATALOG)
        return [message for name, value in given.items()
                for message in (secrets.check_value(name, value, *formats[name]) if name in formats
                                else secrets.check_password(name, value))]
    if case["check"] == "key_rotation":
        overrides = given.get("keystone_config_overrides") or {}
        return keystone.key_rotation(given.get("keystone_key_rotation_interval", 86400), overrides.get("token"),
                                     overrides.get("fernet_tokens"))["errors"]
    if case["check"] == "vrrp":
        # two load balancers in 192.0.2.0/24 (their gathered facts), or the case's own facts
        facts = {"lb1": "192.0.2.11", "lb2": "192.0.2.12"}
        hostvars = {host: {"ansible_facts": {"interfaces": ["lo", "eth0"], "eth0": {"ipv4": {
            "address": address, "prefix": "24"}}}} for host, address in facts.items()}
        for host, values in (case.get("hostvars") or {}).items():
            hostvars[host].update(values)
        settings = {"bind_address": given.get("haproxy_bind_address", "192.0.2.20"),
                    "internal_bind_address": given.get("haproxy_internal_bind_address", ""),
                    "router_id": given.get("haproxy_vrrp_router_id", HAPROXY_DEFAULTS["haproxy_vrrp_router_id"]),
                    "advert_interval": given.get("haproxy_vrrp_advert_interval",
                                                 HAPROXY_DEFAULTS["haproxy_vrrp_advert_interval"])}
        hosts = given.get("haproxy_vrrp_hosts", ["lb1", "lb2"])
        return haproxy.vrrp_instance("lb1", hosts, hostvars, settings)["errors"]
    # the defaults that are templates, as they resolve on a deployment without TLS
    resolved = {"haproxy_port": 80, "haproxy_tls_enabled": False, "haproxy_tls_ca_certificate": "",
                "haproxy_tls_names": ["192.0.2.5", "lb1"]}
    settings = dict(HAPROXY_DEFAULTS, **dict(resolved, **given))
    settings = {key[len("haproxy_"):]: value for key, value in settings.items()}
    groups = case.get("groups", {"keystone": ["api1", "api2"]})
    hostvars = {host: {"osapi_wsgi_listen_address": "127.0.0.2"} for hosts in groups.values() for host in hosts}
    for host, values in (case.get("hostvars") or {}).items():
        hostvars[host].update(values)
    services = haproxy.haproxy_services(CATALOG, settings["services"], groups, settings["service_groups"])
    backends = haproxy.haproxy_backends(CATALOG, services, groups, hostvars, settings["service_groups"])
    return haproxy.check_haproxy(CATALOG, settings, backends)


@pytest.fixture(scope="module")
def records():
    found = []
    yield found
    RECORDS.parent.mkdir(parents=True, exist_ok=True)
    RECORDS.write_text(json.dumps(found, indent=1) + "\n")


@pytest.mark.parametrize("case", CASES, ids=[case["case"] for case in CASES])
def test_refused_before_any_change(case, records):
    errors = errors_of(case)
    message = " ".join(errors)
    missing = [text for text in case["expect"] if text not in message]
    records.append({
        "scenario": "unit", "case": case["case"], "what": case["what"], "input": case["input"],
        "stopped_at": "settings check (%s), no host" % case["check"], "message": message[:600], "seconds": 0,
        "answers_after": {}, "restarted": [], "files_checked": 0,
        "checks": {"refused": bool(errors), "message names the setting": not missing},
        "passed": bool(errors) and not missing,
    })
    assert errors, "accepted: %s" % case["input"]
    assert not missing, "%r not in %r" % (missing, message)


def test_every_case_has_its_own_id():
    ids = [case["case"] for case in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_every_service_is_accepted_with_its_defaults(name):
    svc = service(name)
    assert engine.check_service(svc, [], 80) == []


def test_the_defaults_are_accepted():
    assert engine.check_shared(shared()) == []


@pytest.mark.parametrize("address", ["127.0.0.1", "0.0.0.0", "::", "::1", "2001:db8::10", "192.0.2.10"])
def test_addresses_that_are_accepted(address):
    assert engine.check_shared(shared({"osapi_wsgi_listen_address": address, "osapi_wsgi_connect_address": address})) == []


@pytest.mark.parametrize("backends,listen,public,allowed", [
    ("10.0.0.5", "192.0.2.10", "192.0.2.10", False),  # a management address
    ("127.0.0.11", "127.0.0.11", "127.0.0.11", False),  # a test node's own loopback address
    ("192.0.2.10", "192.0.2.10", "", True),  # said explicitly
    ("", "192.0.2.10", "192.0.2.10", False),  # loopback
])
def test_backends_addresses_that_are_accepted(backends, listen, public, allowed):
    assert engine.check_shared(shared({"osapi_wsgi_backends_address": backends, "osapi_wsgi_listen_address": listen,
                                       "osapi_wsgi_public_address": public,
                                       "osapi_wsgi_backends_on_api_address": allowed})) == []


@pytest.mark.parametrize("connect,ipv6,expected", [
    ("127.0.0.13", True, "127.0.0.13"), ("192.0.2.10", True, "127.0.0.1"), ("::1", True, "::1"),
    ("::1", False, "127.0.0.1"), ("", True, "127.0.0.1"), ("2001:db8::5", True, "127.0.0.1")])
def test_loopback_address(connect, ipv6, expected):
    assert engine.loopback_address(connect, ipv6) == expected
