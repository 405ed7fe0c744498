"""HAProxy's decisions (plugins/plugin_utils/haproxy.py) and the TLS names (tls.py), without a host."""
from __future__ import annotations

import datetime
import ipaddress

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.osapi.wsgi.plugins.plugin_utils import catalog as osapi_catalog
from ansible_collections.osapi.wsgi.plugins.plugin_utils import haproxy
from ansible_collections.osapi.wsgi.plugins.plugin_utils import tls

CATALOG = osapi_catalog.load()


def certificate(*names):
    """A self-signed PEM certificate for the names (IP addresses as IP names)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    alt = [x509.IPAddress(ipaddress.ip_address(name)) if name[0].isdigit() else x509.DNSName(name) for name in names]
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def settings(**overrides):
    values = {"services": [], "port": 443, "bind_address": "192.0.2.5", "internal_bind_address": "",
              "check_expect_status": [200, 300], "tls_enabled": True, "tls_certificate": "",
              "tls_private_key": "", "tls_names": ["192.0.2.5", "lb1"], "tls_ca_certificate": ""}
    values.update(overrides)
    return values


def backends(hostvars):
    groups = {"keystone": sorted(hostvars)}
    return haproxy.haproxy_backends(CATALOG, ["keystone"], groups, hostvars)


def test_certificate_names_and_wildcards():
    pem = certificate("api.example.org", "*.cloud.example.org", "192.0.2.5")
    assert tls.certificate_names(pem) == ["api.example.org", "*.cloud.example.org", "192.0.2.5"]
    assert tls.missing_names(pem, ["API.example.org", "nova.cloud.example.org", "192.0.2.5"]) == []
    assert tls.missing_names(pem, ["a.b.cloud.example.org", "192.0.2.6", "example.org"]) == [
        "a.b.cloud.example.org", "192.0.2.6", "example.org"]
    assert tls.certificate_names("not a certificate") is None
    assert tls.missing_names("", ["x"]) == ["x"]


def test_servers_with_tls_are_reached_over_it_and_checked_on_their_healthcheck():
    found = backends({"api1": {"osapi_wsgi_listen_address": "10.0.0.1", "osapi_wsgi_tls_enabled": True,
                               "osapi_wsgi_http_port": 443},
                      "api2": {"osapi_wsgi_listen_address": "10.0.0.2"}})
    keystone = found[0]
    assert [(srv["name"], srv["tls"], srv["hostport"]) for srv in keystone["servers"]] == [
        ("api1", True, "10.0.0.1:443"), ("api2", False, "10.0.0.2:80")]
    assert (keystone["check_path"], keystone["check_status"]) == ("/identity/healthcheck", [200])


def test_apis_without_a_healthcheck_are_checked_on_their_prefix():
    groups = {"placement": ["api1"], "mistral": ["api1"]}
    hostvars = {"api1": {"osapi_wsgi_listen_address": "10.0.0.1"}}
    balanced = haproxy.haproxy_backends(CATALOG, ["placement", "mistral"], groups, hostvars, check_status=[200, 300])
    found = {be["name"]: be for be in balanced}
    assert (found["placement-api"]["check_path"], found["placement-api"]["check_status"]) == ("/placement/", [200, 300])
    # mistral answers even GET / only to a token: its own 401 says it is up
    assert found["mistral-api"]["check_status"] == [200, 300, 401]


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_every_healthcheck_has_a_drain_file_under_the_services_own_directories(name):
    project = CATALOG[name].get("project", name)
    for api in CATALOG[name]["apis"]:
        check = api.get("healthcheck")
        if not check:
            continue
        assert check["path"] == "/healthcheck"
        assert check["drain_file"] in ("/etc/%s/healthcheck_disable" % project,
                                       "/var/lib/%s/healthcheck_disable" % project), api["name"]
        paths = [section.get("disable_by_file_path") for section in (check.get("config") or {}).values()
                 if isinstance(section, dict) and "disable_by_file_path" in section]
        assert paths in ([], [check["drain_file"]]), api["name"]


def test_tls_checks_pass_with_the_collections_ca():
    found = backends({"api1": {"osapi_wsgi_listen_address": "10.0.0.1", "osapi_wsgi_tls_enabled": True}})
    assert haproxy.check_haproxy_tls(settings(), found) == []


def test_an_operators_certificate_must_name_every_name():
    errors = haproxy.check_haproxy_tls(settings(tls_certificate=certificate("lb1"),
                                                tls_private_key="-----BEGIN PRIVATE KEY-----\nx\n"), [])
    assert len(errors) == 1 and "192.0.2.5" in errors[0] and "haproxy_tls_names" in errors[0]


def test_nodes_with_the_operators_certificates_need_their_ca_and_their_name():
    found = backends({"api1": {"osapi_wsgi_listen_address": "10.0.0.1", "osapi_wsgi_tls_enabled": "true",
                               "osapi_wsgi_tls_certificate": certificate("10.0.0.1")}})
    errors = haproxy.check_haproxy_tls(settings(), found)
    assert any("haproxy_tls_ca_certificate is empty" in error for error in errors)
    assert any("does not name api1" in error for error in errors)
    fixed = backends({"api1": {"osapi_wsgi_listen_address": "10.0.0.1", "osapi_wsgi_tls_enabled": "true",
                               "osapi_wsgi_tls_certificate": certificate("api1", "10.0.0.1")}})
    assert haproxy.check_haproxy_tls(settings(tls_ca_certificate=certificate("ca")), fixed) == []


def test_tls_names_are_needed_for_an_issued_certificate():
    assert "haproxy_tls_names" in " ".join(haproxy.check_haproxy_tls(settings(tls_names=[]), []))
    assert haproxy.check_haproxy_tls(settings(tls_enabled=False, tls_names=[]), []) == []


def test_proxy_addresses_are_where_the_load_balancers_connect_from():
    groups = {"haproxy": ["lb1", "lb2", "lb3", "lb4"]}
    hostvars = {"lb1": {"haproxy_source_address": "10.0.0.5", "haproxy_internal_bind_address": "10.0.0.6"},
                "lb2": {"haproxy_internal_bind_address": "10.0.0.7", "ansible_host": "192.0.2.8"},
                "lb3": {"ansible_host": "lb3.example.org"},
                "lb4": {"haproxy_source_address": "0.0.0.0", "ansible_host": "10.0.0.5"}}
    assert haproxy.proxy_addresses(groups, hostvars) == ["10.0.0.5", "10.0.0.7"]
    assert haproxy.proxy_addresses({}, {}) == []


def lb_facts(*addresses, secondaries=()):
    """A load balancer's gathered facts: eth0 with the address (and secondary ones) and lo."""
    return {"ansible_facts": {"interfaces": ["lo", "eth0"],
                              "lo": {"ipv4": {"address": "127.0.0.1", "prefix": "8"}},
                              "eth0": {"ipv4": {"address": addresses[0], "netmask": "255.255.255.0"},
                                       "ipv4_secondaries": [{"address": a, "prefix": "24"} for a in secondaries]}}}


def test_vrrp_instance_floats_both_frontends_between_the_group():
    hostvars = {"lb1": lb_facts("10.89.21.23", secondaries=["10.89.21.20"]), "lb2": lb_facts("10.89.21.24")}
    settings = {"bind_address": "10.89.21.20", "internal_bind_address": "10.89.21.19", "router_id": 51,
                "advert_interval": 0.5}
    first = haproxy.vrrp_instance("lb1", ["lb1", "lb2"], hostvars, settings)
    second = haproxy.vrrp_instance("lb2", ["lb1", "lb2"], hostvars, settings)
    # the floating address the master holds is never taken for the host's own
    assert first == {"interface": "eth0", "address": "10.89.21.23", "peers": ["10.89.21.24"], "priority": 150,
                     "router_id": 51, "advert_interval": "0.5", "addresses": ["10.89.21.20/24", "10.89.21.19/24"],
                     "errors": []}
    assert second["address"] == "10.89.21.24" and second["peers"] == ["10.89.21.23"]
    assert second["priority"] < first["priority"]


@pytest.mark.parametrize("given, advert", [(1, "1"), ("0.25", "0.25"), (40.95, "40.95"), (0.1, "0.1"), (2.5, "2.5")])
def test_vrrp_advert_interval_in_hundredths(given, advert):
    hostvars = {"lb1": lb_facts("10.89.21.23")}
    settings = {"bind_address": "10.89.21.20", "router_id": 51, "advert_interval": given}
    found = haproxy.vrrp_instance("lb1", ["lb1"], hostvars, settings)
    assert found["errors"] == [] and found["advert_interval"] == advert


def test_vrrp_instance_takes_the_interface_in_the_floating_addresses_network():
    facts = lb_facts("10.89.21.23")
    facts["ansible_facts"]["interfaces"].append("br-mgmt")
    facts["ansible_facts"]["br_mgmt"] = {"ipv4": {"address": "172.29.236.11", "prefix": "22"}}
    hostvars = {"lb1": facts}
    found = haproxy.vrrp_instance("lb1", ["lb1"], hostvars, {"bind_address": "172.29.236.9", "router_id": 10})
    assert (found["interface"], found["address"], found["peers"], found["addresses"]) == (
        "br-mgmt", "172.29.236.11", [], ["172.29.236.9/22"])


def test_vrrp_instance_follows_the_operators_interface_and_address():
    hostvars = {"lb1": dict(lb_facts("10.89.21.23"), haproxy_vrrp_interface="eth9", haproxy_vrrp_address="10.0.0.5"),
                "lb2": lb_facts("10.89.21.24")}
    found = haproxy.vrrp_instance("lb2", ["lb1", "lb2"], hostvars, {"bind_address": "10.89.21.20", "router_id": 51})
    assert found["errors"] == [] and found["peers"] == ["10.0.0.5"]
