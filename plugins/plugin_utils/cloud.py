# -*- coding: utf-8 -*-
# Copyright: osapi.wsgi contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a service reaches the rest of the cloud: database URLs, the keystone_authtoken and
service_user sections, memcached servers, and what keystone's catalog gets (service,
endpoints). The rules live here once; roles call them as the osapi.wsgi filters of
plugins/filter/cloud.py, tests and the secret lookup directly."""

from __future__ import annotations

import base64
import hashlib
import json
import shlex
from urllib.parse import quote

from ansible_collections.osapi.wsgi.plugins.plugin_utils import secrets as osapi_secrets
from ansible_collections.osapi.wsgi.plugins.plugin_utils.engine import hostport, merge

MARIADB_SOCKET = "/run/mysqld/mysqld.sock"


class CloudError(Exception):
    """Input the wiring cannot work with (an unset address, password or service name): a
    message naming the variable to set; as a filter, an CloudError
    (plugin_utils/filters.py)."""


def service_user(name, entry):
    """The keystone user (and system user) of a service: its project name."""
    return entry.get("project") or name


def registered_apis(entry):
    """APIs keystone's catalog lists (those with a service_type)."""
    return [api for api in entry.get("apis", []) if api.get("service_type")]


def needs_authtoken(name, entry):
    return name != "keystone" and bool(registered_apis(entry))


def needs_service_password(entry, name):
    """Whether the service authenticates to keystone as its own user (its token validation,
    service tokens or calls to peers): only then is its password looked up (or generated)."""
    return needs_authtoken(name, entry) or bool(entry.get("service_user") or entry.get("peers"))


def base_url(scheme, host, port):
    """scheme://host[:port], the part every endpoint URL of a node or load balancer shares."""
    if scheme not in ("http", "https"):
        raise CloudError("scheme is '%s': use http or https" % scheme)
    if not str(host):
        raise CloudError("the endpoint address is empty: set osapi_wsgi_public_address / osapi_wsgi_internal_address")
    default = {"http": 80, "https": 443}[scheme]
    return "%s://%s" % (scheme, hostport(host, None if int(port) == default else int(port)))


def service_databases(name, entry):
    """The MariaDB databases of a service (catalog `databases`; default one named after its
    project). The first is its main database."""
    return list(entry.get("databases") or [service_user(name, entry)])


def database_url(name, password, settings, database=None, socket=MARIADB_SOCKET):
    """mysql+pymysql URL of a service's MariaDB database (user named after the service's
    project; database: the service's first, or one of the catalog's `databases`): over the
    local unix socket when settings' host is empty, else over TCP. settings: {catalog, host}.
    The password is URL-quoted."""
    if not password:
        raise CloudError("the database password of %s is empty: set %s_database_password" % (name, name))
    entry = settings["catalog"][name]
    user = service_user(name, entry)
    known = service_databases(name, entry)
    database = database or known[0]
    if database not in known:
        raise CloudError("%s has no database %s (catalog: %s)" % (name, database, ", ".join(known)))
    host = settings.get("host") or ""
    auth = "%s:%s" % (quote(user, safe=""), quote(str(password), safe=""))
    if host:
        return "mysql+pymysql://%s@%s/%s?charset=utf8" % (auth, hostport(host), database)
    return "mysql+pymysql://%s@localhost/%s?unix_socket=%s&charset=utf8" % (auth, database, socket)


def inventory_services(catalog, groups):
    """Catalog services the inventory has hosts for, in catalog order."""
    return [name for name in catalog if (groups or {}).get(name)]


def check_services(catalog, services):
    unknown = [name for name in services if name not in catalog]
    if unknown:
        raise CloudError("backends_services names no catalog service: %s" % ", ".join(unknown))


def databases(catalog, services):
    """The MariaDB user of each service and its databases: {service, name, databases}."""
    check_services(catalog, services)
    return [{"service": name, "name": service_user(name, catalog[name]),
             "databases": service_databases(name, catalog[name])} for name in services]


def messaging_services(catalog, services):
    """Those of the services that use the message bus (catalog `messaging`)."""
    check_services(catalog, services)
    return [name for name in services if catalog[name].get("messaging")]


def rabbitmq_vhost(name, catalog):
    """The RabbitMQ virtual host of a service's RPC: its own, named after its project."""
    return service_user(name, catalog[name])


def transport_url(name, password, settings, vhost=None):
    """oslo.messaging URL of a service on RabbitMQ: its own user (named after its project) in
    its own virtual host (rabbitmq_vhost), or the one given. settings: {catalog, host, port}.
    The password is URL-quoted; an empty host is refused (there is no local socket)."""
    if not password:
        raise CloudError("the RabbitMQ password of %s is empty: set %s_messaging_password" % (name, name))
    host = str(settings.get("host") or "")
    if not host:
        raise CloudError("no RabbitMQ address: set osapi_wsgi_rabbitmq_host (or osapi_wsgi_backends_address)")
    user = service_user(name, settings["catalog"][name])
    return "rabbit://%s:%s@%s/%s" % (quote(user, safe=""), quote(str(password), safe=""),
                                     hostport(host, int(settings.get("port") or 5672)),
                                     quote(str(vhost or rabbitmq_vhost(name, settings["catalog"])), safe=""))


def notification_peers(catalog, name, services):
    """Whose notifications the service reads (catalog `notifications_from`) and who reads
    its own, among the services deployed: {sources, readers}."""
    services = list(services or [])
    sources = [svc for svc in catalog[name].get("notifications_from") or [] if svc in services]
    readers = [svc for svc in services if name in (catalog[svc].get("notifications_from") or [])]
    return {"sources": sources, "readers": readers}


def notification_services(catalog, services):
    """The services that send or read notifications among those deployed (they share the
    notifications virtual host)."""
    return [name for name in services if any(notification_peers(catalog, name, services).values())]


def notifications_layer(name, password, settings):
    """[oslo_messaging_notifications] of a service that sends notifications another deployed
    service reads (driver messagingv2), or reads another's: the shared notifications virtual
    host. settings: {catalog, host, port, notifications_vhost, services}. {} otherwise."""
    peers = notification_peers(settings["catalog"], name, settings.get("services"))
    if not peers["sources"] and not peers["readers"]:
        return {}
    section = {"transport_url": transport_url(name, password, settings, settings.get("notifications_vhost"))}
    if peers["readers"]:
        section["driver"] = "messagingv2"
    return {"oslo_messaging_notifications": section}


def erlang_ip(address):
    """An IPv4 address as Erlang's tuple ({127,0,0,15}), for inet_dist_use_interface."""
    parts = str(address).split(".")
    if len(parts) != 4 or not all(part.isdigit() and int(part) < 256 for part in parts):
        raise CloudError("backends_address is '%s': RabbitMQ's node name and listeners here need an IPv4 address" % address)
    return "{%s}" % ",".join(str(int(part)) for part in parts)


def rabbitmq_password_hash(user, password):
    """RabbitMQ's rabbit_password_hashing_sha256 form: base64(salt + sha256(salt + password)).
    The salt is derived from the user and password, so an unchanged password gives an
    unchanged definitions file (and no import) on every run."""
    secret = str(password).encode("utf-8")
    salt = hashlib.sha256(b"osapi.wsgi rabbitmq salt\0" + user.encode("utf-8") + b"\0" + secret).digest()[:4]
    return base64.b64encode(salt + hashlib.sha256(salt + secret).digest()).decode("ascii")


def rabbitmq_definitions(passwords, catalog, notifications_vhost="notifications"):
    """RabbitMQ definitions (rabbitmqctl import_definitions): one user per service (named
    after its project) with full rights on its own virtual host only (so no service reads
    or injects another's RPC), and, when a deployed service reads another's notifications
    (catalog `notifications_from`), the notifications virtual host for the services that
    send or read them. passwords: {service: password} of the services deployed."""
    definitions = {"vhosts": [], "users": [], "permissions": []}
    shared = notification_services(catalog, sorted(passwords))
    if shared:
        if not notifications_vhost:
            raise CloudError("osapi_wsgi_rabbitmq_notifications_vhost is empty: name the virtual host"
                             " of the notifications %s share" % ", ".join(shared))
        definitions["vhosts"].append({"name": notifications_vhost})
    for name, password in sorted(passwords.items()):
        if not password:
            raise CloudError("the RabbitMQ password of %s is empty: set %s_messaging_password" % (name, name))
        user = service_user(name, catalog[name])
        vhost = rabbitmq_vhost(name, catalog)
        definitions["vhosts"].append({"name": vhost})
        definitions["users"].append({"name": user, "tags": "", "password_hash": rabbitmq_password_hash(user, password),
                                     "hashing_algorithm": "rabbit_password_hashing_sha256"})
        for where in [vhost] + ([notifications_vhost] if name in shared else []):
            definitions["permissions"].append({"user": user, "vhost": where, "configure": ".*", "write": ".*",
                                               "read": ".*"})
    return json.dumps(definitions, indent=2, sort_keys=True) + "\n"


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


# Each service's copy of the node's TLS pair for memcached over TLS (osapi_wsgi_memcached_tls),
# readable by its group: written by the configure step (files.py, config_entries)
MEMCACHE_CLIENT_DIR = "/etc/osapi-wsgi/memcache"


def memcache_client_files(name):
    """The certificate and key a service presents to memcached: {certfile, keyfile}."""
    return {"certfile": "%s/%s.crt" % (MEMCACHE_CLIENT_DIR, name), "keyfile": "%s/%s.key" % (MEMCACHE_CLIENT_DIR, name)}


def secret_names(entry, name):
    """The variables of the service's per-deployment secrets (catalog `secrets`), for the
    osapi.wsgi.secret lookup."""
    return [item["name"] for item in osapi_secrets.service_secrets(entry, name)]


def ini_escape(value):
    """A password or secret as an ini option carries it for oslo.config ($ as $$)."""
    return osapi_secrets.escape(value)


def memcache_tls(name, settings):
    """oslo.cache's TLS options towards memcached (keystonemiddleware's are the same with a
    memcache_ prefix), or {} when osapi_wsgi_memcached_tls is off: the deployment's CA and
    the service's copy of the node's certificate, which memcached requires."""
    if not settings.get("memcached_tls"):
        return {}
    if not settings.get("cafile"):
        raise CloudError("%s: osapi_wsgi_memcached_tls needs the deployment's CA (osapi_wsgi_tls_enabled)" % name)
    return dict({"tls_enabled": True, "tls_cafile": settings["cafile"]}, **{
        "tls_" + key: path for key, path in memcache_client_files(name).items()})


def cloud_layer(entry, name, settings):
    """Config sections that connect a service to keystone and memcached ([keystone_authtoken],
    [service_user]), to the peer APIs it calls (catalog `peers`: section -> extra options),
    and its per-deployment secrets (catalog `secrets`; settings' secrets: {variable: value}).
    Every password and secret is written as oslo.config reads it literally ($ as $$)."""
    try:
        secrets = osapi_secrets.secrets_layer(entry, name, settings.get("secrets") or {})
    except osapi_secrets.SecretError as error:
        raise CloudError(str(error))
    layer = {}
    required = ("keystone_public_url", "keystone_internal_url", "region")
    if needs_service_password(entry, name):
        missing = [key for key in required + ("service_password",) if not settings.get(key)]
        if missing:
            raise CloudError("%s: missing settings for keystone: %s" % (name, ", ".join(missing)))
    user = service_user(name, entry)
    credentials = {
        "auth_type": "password",
        "auth_url": settings.get("keystone_internal_url"),
        "project_domain_name": "Default",
        "user_domain_name": "Default",
        "project_name": "service",
        "username": user,
        "password": osapi_secrets.escape(settings.get("service_password") or ""),
        "region_name": settings.get("region"),
    }
    if settings.get("cafile"):
        # the deployment's CA (osapi_wsgi_tls_ca_certificate or the collection's) for every call
        # the service makes through keystoneauth: token validation, service tokens, peers
        credentials["cafile"] = settings["cafile"]
    tls = {}  # memcache_tls(), once the service is known to use memcached
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
                raise CloudError("%s: memcached is used but osapi_wsgi_memcache_secret_key is empty" % name)
            authtoken.update({
                "memcached_servers": ",".join(servers),
                "memcache_security_strategy": "ENCRYPT",
                "memcache_secret_key": osapi_secrets.escape(settings["memcache_secret_key"]),
            })
            tls = memcache_tls(name, settings)
            if tls:
                # keystonemiddleware's advanced pool (python-binary-memcached) is the one that
                # speaks TLS: its plain pool would ignore the TLS options
                authtoken.update({"memcache_use_advanced_pool": True})
                authtoken.update({"memcache_" + option: value for option, value in tls.items()})
        layer["keystone_authtoken"] = authtoken
    if entry.get("oslo_cache") and settings.get("memcached_servers"):
        # the service's own cache (oslo.cache's memcache_pool: python-binary-memcached over TLS)
        tls = tls or memcache_tls(name, settings)
        if tls:
            layer["cache"] = tls
    if entry.get("service_user"):
        section = dict(credentials)
        section["send_service_user_token"] = True
        layer["service_user"] = section
    for section, extra in sorted((entry.get("peers") or {}).items()):
        # how the service calls a peer API: as its service user, on internal endpoints
        peer = dict(credentials)
        peer["valid_interfaces"] = "internal"
        peer.update(extra or {})
        layer[section] = peer
    if settings.get("behind_proxy"):
        # HAProxy terminates the clients' connections: the scheme and address they used come
        # in X-Forwarded-Proto / X-Forwarded-For (oslo.middleware's HTTPProxyToWSGI)
        layer["oslo_middleware"] = {"enable_proxy_headers_parsing": True}
    return merge(layer, secrets)


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


def client_files(cloud_name, auth_url, region, admin, cafile=""):
    """What an operator's clients need to reach the deployment as keystone's admin: a
    clouds.yaml (cloud cloud_name) and an openrc, the same settings in both (public
    interface, identity v3, the Default domain, the CA when the endpoints use the
    deployment's own). admin: {username, password, project_name}. {file name: text}."""
    auth = {"auth_url": auth_url, "username": admin["username"], "password": admin["password"],
            "project_name": admin["project_name"], "user_domain_name": "Default", "project_domain_name": "Default"}
    cloud = {"auth": auth, "region_name": region, "interface": "public", "identity_api_version": 3}
    if cafile:
        cloud["cacert"] = cafile
    env = {"OS_AUTH_URL": auth_url, "OS_USERNAME": auth["username"], "OS_PASSWORD": auth["password"],
           "OS_PROJECT_NAME": auth["project_name"], "OS_USER_DOMAIN_NAME": "Default",
           "OS_PROJECT_DOMAIN_NAME": "Default", "OS_REGION_NAME": region, "OS_INTERFACE": "public",
           "OS_IDENTITY_API_VERSION": "3"}
    if cafile:
        env["OS_CACERT"] = cafile
    return {
        "clouds.yaml": "# osapi.wsgi: keystone's admin on this deployment (OS_CLOUD=%s)\n" % cloud_name
                       + json.dumps({"clouds": {cloud_name: cloud}}, indent=2, sort_keys=True) + "\n",
        "openrc": "# osapi.wsgi: keystone's admin on this deployment (source this file)\n"
                  + "".join("export %s=%s\n" % (key, shlex.quote(str(value))) for key, value in env.items()),
    }
