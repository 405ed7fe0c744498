"""The scenario serves over IPv6 only (the loopback [::1] on the scenario's own port): Apache
listens there and nowhere else, real calls through http://[::1]:<port>/ work for every
service in every mode (glance's in test_glance), the standalone server (eventlet) listens on [::1] too, and the
URLs the engine registered in keystone's catalog are bracketed IPv6 URLs."""
import ipaddress
import re
import urllib.parse

import pytest

NOAUTH = {"X-Auth-Token": "admin:demo", "X-Auth-Project-Id": "demo"}


def listeners(node, program):
    """The local addresses of the TCP listeners of a program (ss -Hltnp)."""
    out = node.check_output("ss -Hltnp")
    return sorted({line.split()[3] for line in out.splitlines() if f'(("{program}"' in line})


def test_the_node_url_is_the_ipv6_loopback(scenario):
    host = urllib.parse.urlsplit(scenario.node_url()).hostname
    assert ipaddress.ip_address(host) == ipaddress.ip_address("::1"), scenario.node_url()


def test_apache_listens_on_the_ipv6_loopback_only(scenario, node):
    port = scenario.var("osapi_wsgi_http_port")
    assert listeners(node, "apache2") == [f"[::1]:{port}"]
    ports = node.file("/etc/apache2/ports.conf").content_string
    assert f"Listen [::1]:{port}\n" in ports
    assert f"<VirtualHost [::1]:{port}>" in node.file("/etc/apache2/sites-available/osapi-wsgi.conf").content_string


def test_keystone_over_ipv6(scenario, api):
    base = scenario.node_url()
    assert api.get(f"{base}/identity/v3").status == 200
    validated = api.validate_token(base, api.token(base))
    assert validated.status == 200


def test_cinder_over_ipv6(scenario, api):
    base = scenario.node_url()
    assert api.get(f"{base}/volume/").status == 300
    assert api.get(f"{base}/volume/v3/types", headers=NOAUTH).status == 200


def test_catalog_endpoints_are_bracketed_ipv6_urls(scenario, api):
    base = scenario.node_url()
    catalog = api.validate_token(base, api.token(base)).json()["token"]["catalog"]
    urls = {entry["type"]: sorted(endpoint["url"] for endpoint in entry["endpoints"]
                                  if endpoint["interface"] in ("public", "internal"))
            for entry in catalog}
    port = scenario.var("osapi_wsgi_http_port")
    assert urls["identity"] == [f"http://[::1]:{port}/identity"] * 2, urls
    assert urls["image"] == [f"http://[::1]:{port}/image"] * 2, urls
    assert [re.sub(r"/v3.*$", "", url) for url in urls["volumev3"]] == [f"http://[::1]:{port}/volume"] * 2, urls


@pytest.mark.mode("eventlet")
def test_standalone_server_listens_on_the_ipv6_loopback(scenario, nodes, deployed_api):
    node = nodes[deployed_api.host]
    # ss cannot name a process of another user here (no CAP_SYS_PTRACE in the container);
    # the listener on [::1] is this scenario's (no other one uses the IPv6 loopback), and
    # the server's config puts it there
    listening = [line.split()[3] for line in node.check_output("ss -Hltn").splitlines()]
    assert f"[::1]:{deployed_api.port}" in listening, listening
    server = [api for api in scenario.catalog[deployed_api.service]["apis"]
              if api["name"] == deployed_api.api][0]["standalone"]
    config = node.file(f"/etc/{deployed_api.user}/{deployed_api.config_file}").content_string
    assert re.search(rf"^{server['host_option']} = ::1$", config, re.M), f"{deployed_api.config_file}: not on ::1"
    routes = node.file(f"/etc/apache2/osapi-wsgi/{deployed_api.service}.conf").content_string
    assert f'ProxyPass "{deployed_api.prefix}" "http://[::1]:{deployed_api.port}" retry=0' in routes
