# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HAProxy's decisions (osapi.wsgi.haproxy and playbooks/rolling.yml): which services it
balances, a backend per API with a server per node (over TLS where the node has it),
the frontends, the servers of one node in ``show stat``, keepalived's VRRP instance
that floats the frontends' addresses over the load balancers, and the checks of the
haproxy_* settings. Plain functions of the catalog and the inventory; checks return a list of
messages (empty: accepted).
"""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean

try:
    import netaddr
except ImportError:  # pragma: no cover - engine._is_ip names the missing package
    netaddr = None

from ansible_collections.osapi.wsgi.plugins.plugin_utils import tls as osapi_tls
from ansible_collections.osapi.wsgi.plugins.plugin_utils.engine import (
    WILDCARDS, _is_ip, apis, check_port, connect_address, hostport, ok_status)


def haproxy_backends(catalog, services, groups, hostvars, service_groups=None, check_status=(200, 300)):
    """One backend per API of each service whose group has hosts: the API's prefix (the
    first node's <service>_url_prefixes) and one server per node, at the node's connect
    address (else its ansible_host) and osapi_wsgi_http_port, over TLS where the node
    has osapi_wsgi_tls_enabled."""
    service_groups = service_groups or {}
    out = []
    for svc in services:
        hosts = list(groups.get(service_groups.get(svc, svc)) or [])
        if not hosts or svc not in catalog:
            continue
        servers = []
        for host in hosts:
            node = hostvars[host]
            address = connect_address(node.get("osapi_wsgi_listen_address", ""),
                                      node.get("osapi_wsgi_connect_address", ""),
                                      fallback=node.get("ansible_host", host))
            port = int(node.get("osapi_wsgi_http_port", 80))
            # a node with TLS is reached over TLS, its certificate verified against the CA and
            # its inventory name; certificate: the operator's, when given (check_haproxy)
            servers.append({"name": host, "address": address, "port": port, "hostport": hostport(address, port),
                            "tls": boolean(node.get("osapi_wsgi_tls_enabled", False), strict=False),
                            "certificate": str(node.get("osapi_wsgi_tls_certificate") or "")})
        prefixes = hostvars[hosts[0]].get(svc + "_url_prefixes", {})
        for api in apis(catalog[svc], prefixes):
            # internal: not on the public frontend (catalog `internal`, nova's metadata API)
            # the health check: the API's healthcheck (200; 503 while its drain file exists),
            # else GET <prefix>/ (haproxy_check_expect_status, and 401 where even that needs a token)
            healthcheck = api.get("healthcheck") or {}
            out.append({"name": api["name"], "service": svc, "prefix": api["prefix"], "servers": servers,
                        "internal": bool(api.get("internal")),
                        "check_path": api["prefix"] + (healthcheck.get("path") or "/"),
                        "check_status": [200] if healthcheck else
                        sorted(set(ok_status(api, [int(status) for status in check_status])))})
    return out


def proxy_addresses(groups, hostvars):
    """The addresses the load balancers reach the API nodes from, which the nodes' Apache
    believes X-Forwarded-For from (mod_remoteip): per host of the `haproxy` group the first
    IP address among its haproxy_source_address, haproxy_internal_bind_address and
    ansible_host."""
    out = []
    for lb in groups.get("haproxy") or []:
        node = hostvars[lb]
        for key in ("haproxy_source_address", "haproxy_internal_bind_address", "ansible_host"):
            value = str(node.get(key) or "").strip()
            if value and _is_ip(value) and value not in WILDCARDS:
                if value not in out:
                    out.append(value)
                break
    return out


def haproxy_frontends(backends, bind_address, internal_bind_address=""):
    """HAProxy's frontends: [name, address, backends]. The public one (haproxy_bind_address)
    leaves the internal APIs (catalog `internal`: nova's metadata API) out; the internal one
    (haproxy_internal_bind_address, when set) routes every API."""
    out = [["osapi", bind_address, [backend for backend in backends if not backend.get("internal")]]]
    if internal_bind_address:
        out.append(["osapi_internal", internal_bind_address, list(backends)])
    return out


def haproxy_services(catalog, wanted, groups, service_groups=None):
    """The services HAProxy balances: haproxy_services, or every catalog service with a group."""
    if wanted:
        return list(wanted)
    known = set(groups) | set(service_groups or {})
    return [svc for svc in catalog if svc in known]


def haproxy_node_servers(stats, backends, host, hostvars, default_socket="/run/haproxy/admin.sock"):
    """The HAProxy servers of one node: {lb, backend, socket} for each line of each load
    balancer's ``show stat`` (stats: the registered results, item = the load balancer) that
    names one of the backends and the node."""
    out = []
    for result in stats:
        lb = result["item"]
        for line in result.get("stdout_lines", []):
            fields = line.split(",")
            if len(fields) > 17 and fields[0] in backends and fields[1] == host:
                out.append({"lb": lb, "backend": fields[0],
                            "socket": hostvars[lb].get("haproxy_admin_socket", default_socket)})
    return out


def check_haproxy(catalog, settings, backends):
    """haproxy_* settings against the catalog and the backends found (keys without the prefix)."""
    errors = []
    unknown = [svc for svc in settings.get("services") or [] if svc not in catalog]
    if unknown:
        errors.append("haproxy_services names services the catalog does not know: %s." % ", ".join(unknown))
    if not backends:
        errors.append("haproxy_services: no service has hosts to balance; put API nodes into groups named"
                      " after the services (keystone, ...) or set haproxy_service_groups.")
    errors.extend(check_port(settings.get("port"), "haproxy_port"))
    if not _is_ip(settings.get("bind_address", "")):
        errors.append("haproxy_bind_address is '%s': set it to an IPv4 or IPv6 address (0.0.0.0 for all)."
                      % settings.get("bind_address", ""))
    internal = str(settings.get("internal_bind_address") or "")
    if internal:
        if not _is_ip(internal) or internal in WILDCARDS:
            errors.append("haproxy_internal_bind_address is '%s': set it to the load balancer's IP address on the"
                          " internal network (not every address), or empty." % internal)
        elif internal == str(settings.get("bind_address")) or str(settings.get("bind_address")) in WILDCARDS:
            errors.append("haproxy_internal_bind_address is %s, where the public frontend (haproxy_bind_address %s)"
                          " listens too: the internal APIs would be public. Give the public frontend its own address."
                          % (internal, settings.get("bind_address")))
    prefixes = [backend["prefix"] for backend in backends]
    if len(set(prefixes)) != len(prefixes):
        errors.append("haproxy_services: two APIs share a URL prefix (%s)." % ", ".join(prefixes))
    if not settings.get("check_expect_status"):
        errors.append("haproxy_check_expect_status must list at least one HTTP status, e.g. [200, 300].")
    errors.extend(check_haproxy_tls(settings, backends))
    return errors


def check_haproxy_tls(settings, backends):
    """The TLS settings of HAProxy and of the nodes it reaches over TLS."""
    enabled = boolean(settings.get("tls_enabled"), strict=False)
    certificate = str(settings.get("tls_certificate") or "").strip()
    errors = osapi_tls.check_tls_pair("haproxy", enabled, certificate, settings.get("tls_private_key"),
                                      settings.get("tls_ca_certificate"))
    if errors:
        return errors
    redirect = settings.get("tls_redirect_port", 0)
    if enabled and str(redirect) not in ("0", "", "None"):
        errors.extend(check_port(redirect, "haproxy_tls_redirect_port"))
        if str(redirect) == str(settings.get("port")):
            errors.append("haproxy_tls_redirect_port is %s, HAProxy's HTTPS port: give the plain-HTTP redirect"
                          " another port (80), or 0 for none." % redirect)
        elif str(settings.get("port")) != "443":
            errors.append("haproxy_tls_redirect_port is %s with haproxy_port %s: the redirect keeps the client's"
                          " host, not a port, so it needs HTTPS on 443; set haproxy_tls_redirect_port: 0."
                          % (redirect, settings.get("port")))
    names = [str(name) for name in settings.get("tls_names") or [] if str(name).strip()]
    if enabled and not certificate and not names:
        errors.append("haproxy_tls_names is empty: list the names (the public DNS name, the addresses) clients"
                      " reach HAProxy by, for the certificate the collection's CA issues.")
    if enabled and certificate:
        missing = osapi_tls.missing_names(certificate, names)
        if missing:
            errors.append("haproxy_tls_certificate is not valid for %s (it names %s): give a certificate for every"
                          " name in haproxy_tls_names, or change haproxy_tls_names."
                          % (", ".join(missing), ", ".join(osapi_tls.certificate_names(certificate) or ["nothing"])))
    servers = {server["name"]: server for backend in backends for server in backend["servers"] if server.get("tls")}
    own = sorted(name for name, server in servers.items() if server.get("certificate"))
    if own and not str(settings.get("tls_ca_certificate") or "").strip():
        errors.append("HAProxy reaches %s over TLS with the operator's certificates (osapi_wsgi_tls_certificate)"
                      " but haproxy_tls_ca_certificate is empty: set it (or osapi_wsgi_tls_ca_certificate) to the"
                      " CA that signed them, or HAProxy would mark those nodes down." % ", ".join(own))
    for name in own:
        if osapi_tls.missing_names(servers[name]["certificate"], [name]):
            errors.append("%s's osapi_wsgi_tls_certificate does not name %s, the name HAProxy verifies it by:"
                          " issue it for that name too." % (name, name))
    return errors


VRRP_PRIORITY_TOP = 150


def _host_networks(facts):
    """(interface, address, network) of each address a host's facts list, primary first."""
    out = []
    for name in facts.get("interfaces") or []:
        # the facts key an interface by its name with - and : as _
        data = facts.get(str(name).replace("-", "_").replace(":", "_")) or {}
        ipv4 = data.get("ipv4")
        entries = ([ipv4] if isinstance(ipv4, dict) else []) + list(data.get("ipv4_secondaries") or [])
        entries += [entry for entry in data.get("ipv6") or [] if entry.get("scope") == "global"]
        for entry in entries:
            address = entry.get("address")
            prefix = entry.get("prefix") or entry.get("netmask")
            if address and prefix:
                try:
                    out.append((str(name), str(address), netaddr.IPNetwork("%s/%s" % (address, prefix))))
                except (netaddr.AddrFormatError, ValueError, TypeError):
                    continue
    return out


def _advert_interval(value):
    """VRRP version 3's advert interval as keepalived's advert_int ('0.5', '1'): seconds in
    hundredths from 0.01 to 40.95 (RFC 5798's 12-bit centiseconds); None when it is not one."""
    if isinstance(value, bool):
        return None
    try:
        centiseconds = round(float(str(value)) * 100, 6)
    except ValueError:
        return None
    if centiseconds != int(centiseconds) or not 1 <= centiseconds <= 4095:
        return None
    return ("%d.%02d" % divmod(int(centiseconds), 100)).rstrip("0").rstrip(".")


def vrrp_instance(host, hosts, hostvars, settings):
    """keepalived's VRRP instance on one load balancer (haproxy_vip_enabled): the frontends'
    addresses (haproxy_bind_address, and haproxy_internal_bind_address when set) float over
    the hosts of the group. For each host: the interface in the network of the first floating
    address and its own address there (haproxy_vrrp_interface and haproxy_vrrp_address
    override them), from its gathered facts. Returns {interface, address, peers, priority,
    router_id, advert_interval (keepalived's advert_int, VRRP version 3: settings'
    advert_interval in hundredths of a second), addresses (with the network's prefix length),
    errors}; the VRRP messages go
    unicast between the hosts' own addresses, and the first host of the group has the highest
    priority (keepalived's nopreempt keeps the addresses where they are when a host comes back).
    """
    if netaddr is None:
        _is_ip("")
    errors = []
    given = [(label, str(settings.get(key) or "")) for label, key in
             (("haproxy_bind_address", "bind_address"), ("haproxy_internal_bind_address", "internal_bind_address"))]
    floating = [address for label, address in given if address]
    if host not in hosts:
        errors.append("%s is not in haproxy_vrrp_hosts (%s): add it, or leave it out of the play that deploys"
                      " HAProxy with haproxy_vip_enabled." % (host, ", ".join(hosts) or "empty"))
    for label, address in given:
        if address and (not _is_ip(address) or address in WILDCARDS):
            errors.append("haproxy_vip_enabled is on and %s is '%s': set it to the floating address keepalived moves"
                          " between the load balancers (an IP address in their network, not %s)."
                          % (label, address, "every address" if address in WILDCARDS else "a name"))
    try:
        router_id = int(settings.get("router_id"))
    except (TypeError, ValueError):
        router_id = 0
    if not 1 <= router_id <= 255:
        errors.append("haproxy_vrrp_router_id is '%s': set it to a number from 1 to 255, unique among the VRRP"
                      " routers of the network." % settings.get("router_id"))
    advert = _advert_interval(settings.get("advert_interval", 1))
    if advert is None:
        errors.append("haproxy_vrrp_advert_interval is '%s': set it to the seconds between VRRP adverts, from 0.01"
                      " to 40.95 in hundredths (VRRP version 3), e.g. 0.5." % settings.get("advert_interval"))
    if errors:
        return {"errors": errors}
    if len({netaddr.IPAddress(address).version for address in floating}) > 1:
        return {"errors": ["haproxy_bind_address %s and haproxy_internal_bind_address %s are of different IP versions:"
                           " one VRRP instance moves them together; give both IPv4 or both IPv6 addresses."
                           % tuple(floating)]}
    vip = netaddr.IPAddress(floating[0])
    members = {}
    for name in hosts:
        node = hostvars[name]
        facts = node.get("ansible_facts") or {}
        interface = str(node.get("haproxy_vrrp_interface") or "")
        address = str(node.get("haproxy_vrrp_address") or "")
        networks = _host_networks(facts)
        found = [entry for entry in networks
                 if vip in entry[2] and entry[1] not in floating
                 and (not interface or entry[0] == interface) and (not address or entry[1] == address)]
        if address and not _is_ip(address):
            errors.append("%s: haproxy_vrrp_address is '%s': set it to the host's own IP address in the network"
                          " of the floating address %s." % (name, address, vip))
            continue
        if not found and not (interface and address):
            known = ", ".join("%s %s" % (entry[0], entry[2]) for entry in networks) or "none"
            errors.append("%s has no address in the network of the floating address %s (facts: %s): put the"
                          " load balancers in that network, or set haproxy_vrrp_interface and haproxy_vrrp_address"
                          " for the host." % (name, vip, known))
            continue
        if found:
            interface, address, network = found[0]
            prefix = network.prefixlen
        else:
            prefix = 32 if vip.version == 4 else 128
        if address in floating:
            errors.append("%s: its own address %s is a floating address: give the load balancers addresses of their"
                          " own besides haproxy_bind_address." % (name, address))
            continue
        members[name] = {"interface": interface, "address": address, "prefix": prefix}
    if errors:
        return {"errors": errors}
    me = members[host]
    return {"interface": me["interface"], "address": me["address"],
            "peers": [members[name]["address"] for name in hosts if name != host],
            "priority": max(1, VRRP_PRIORITY_TOP - 10 * list(hosts).index(host)),
            "router_id": router_id,
            "advert_interval": advert,
            "addresses": ["%s/%s" % (address, me["prefix"]) for address in floating],
            "errors": []}
