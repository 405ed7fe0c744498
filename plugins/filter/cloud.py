# -*- coding: utf-8 -*-
# Copyright: osapi.wsgi contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a service reaches the rest of the cloud: database URLs, the keystone_authtoken and
service_user sections, memcached servers, and what keystone's catalog gets (service,
endpoints). The rules live here once; roles and tests call these filters."""

from __future__ import annotations

from urllib.parse import quote

from ansible.errors import AnsibleFilterError

from ansible_collections.osapi.wsgi.plugins.plugin_utils.engine import hostport

MARIADB_SOCKET = "/run/mysqld/mysqld.sock"


def service_user(name, entry):
    """The keystone user (and system user) of a service: its project name."""
    return entry.get("project") or name


def registered_apis(entry):
    """APIs keystone's catalog lists (those with a service_type)."""
    return [api for api in entry.get("apis", []) if api.get("service_type")]


def needs_authtoken(name, entry):
    return name != "keystone" and bool(registered_apis(entry))


def base_url(scheme, host, port):
    """scheme://host[:port], the part every endpoint URL of a node or load balancer shares."""
    if scheme not in ("http", "https"):
        raise AnsibleFilterError("scheme is '%s': use http or https" % scheme)
    if not str(host):
        raise AnsibleFilterError("the endpoint address is empty: set osapi_wsgi_public_address / osapi_wsgi_internal_address")
    default = {"http": 80, "https": 443}[scheme]
    return "%s://%s" % (scheme, hostport(host, None if int(port) == default else int(port)))


def database_url(name, password, settings, socket=MARIADB_SOCKET):
    """mysql+pymysql URL of a service's MariaDB database (database and user named after the
    service's project): over the local unix socket when settings' host is empty, else over
    TCP. settings: {catalog, host}. The password is URL-quoted."""
    if not password:
        raise AnsibleFilterError("the database password of %s is empty: set %s_database_password" % (name, name))
    user = database = service_user(name, settings["catalog"][name])
    host = settings.get("host") or ""
    auth = "%s:%s" % (quote(user, safe=""), quote(str(password), safe=""))
    if host:
        return "mysql+pymysql://%s@%s/%s?charset=utf8" % (auth, hostport(host), database)
    return "mysql+pymysql://%s@localhost/%s?unix_socket=%s&charset=utf8" % (auth, database, socket)


def inventory_services(catalog, groups):
    """Catalog services the inventory has hosts for, in catalog order."""
    return [name for name in catalog if (groups or {}).get(name)]


def databases(catalog, services):
    """The MariaDB database and user of each service: {service, name}."""
    unknown = [name for name in services if name not in catalog]
    if unknown:
        raise AnsibleFilterError("backends_services names no catalog service: %s" % ", ".join(unknown))
    return [{"service": name, "name": service_user(name, catalog[name])} for name in services]


def memcached_servers(addresses, port=11211):
    """host:port strings for oslo.cache / keystonemiddleware (IPv6 as inet6:[addr]:port)."""
    out = []
    for address in addresses:
        address = str(address)
        if address.count(":") > 1 and not address.startswith("inet6:"):
            address = "inet6:" + hostport(address.strip("[]"), port)  # noqa
        elif ":" not in address:
            address = "%s:%s" % (address, port)
        out.append(address)
    return out


def cloud_layer(entry, name, settings):
    """Config sections that connect a service to keystone, memcached and the message bus."""
    layer = {}
    required = ("keystone_public_url", "keystone_internal_url", "region")
    if needs_authtoken(name, entry) or entry.get("service_user"):
        missing = [key for key in required + ("service_password",) if not settings.get(key)]
        if missing:
            raise AnsibleFilterError("%s: missing settings for keystone: %s" % (name, ", ".join(missing)))
    user = service_user(name, entry)
    credentials = {
        "auth_type": "password",
        "auth_url": settings.get("keystone_internal_url"),
        "project_domain_name": "Default",
        "user_domain_name": "Default",
        "project_name": "service",
        "username": user,
        "password": settings.get("service_password"),
        "region_name": settings.get("region"),
    }
    if needs_authtoken(name, entry):
        authtoken = dict(credentials)
        authtoken.update({
            "www_authenticate_uri": settings["keystone_public_url"],
            "interface": "internal",
            "service_type": registered_apis(entry)[0]["service_type"],
            "service_token_roles": "service",
            "service_token_roles_required": True,
        })
        servers = settings.get("memcached_servers") or []
        if servers:
            if not settings.get("memcache_secret_key"):
                raise AnsibleFilterError("%s: memcached is used but osapi_wsgi_memcache_secret_key is empty" % name)
            authtoken.update({
                "memcached_servers": ",".join(servers),
                "memcache_security_strategy": "ENCRYPT",
                "memcache_secret_key": settings["memcache_secret_key"],
            })
        layer["keystone_authtoken"] = authtoken
    if entry.get("service_user"):
        section = dict(credentials)
        section["send_service_user_token"] = True
        layer["service_user"] = section
    if entry.get("messaging") and settings.get("transport_url"):
        layer["DEFAULT"] = {"transport_url": settings["transport_url"]}
    return layer


def endpoints(entry, name, public_base, internal_base, region, prefixes=None):
    """What keystone's catalog gets for one service: per registered API its service and one
    endpoint per interface (public, internal)."""
    prefixes = prefixes or {}
    out = []
    for api in registered_apis(entry):
        path = prefixes.get(api["name"], api["prefix"]) + api.get("endpoint_suffix", "")
        service = {
            "name": api.get("service_name") or name,
            "type": api["service_type"],
            "description": "OpenStack %s (%s)" % (name, api["service_type"]),
        }
        for interface, base in (("public", public_base), ("internal", internal_base)):
            out.append({"service": service, "interface": interface, "url": base.rstrip("/") + path, "region": region})
    return out


class FilterModule(object):
    """osapi.wsgi cloud wiring filters."""

    def filters(self):
        return {
            "cloud_layer": cloud_layer,
            "database_url": database_url,
            "endpoints": endpoints,
            "memcached_servers": memcached_servers,
            "inventory_services": inventory_services,
            "databases": databases,
            "base_url": base_url,
        }
