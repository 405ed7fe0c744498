# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine's decisions, as plain functions of the catalog and the settings.

What a service is once its role's settings are applied (APIs, prefixes, entrypoints,
config layers), the address the engine reaches Apache by, every check that refuses a
setting before anything changes, the host's other APIs and the host registry's entry
(HAProxy's decisions are in haproxy.py, TLS's in tls.py, keystone's in keystone.py, the
deploy's plan in plan.py). The filters in plugins/filter/engine.py expose them to the roles;
nothing here talks to a host. Checks return a list of messages (empty: accepted), each
naming the variable to change and how.

Why one file of over 400 lines: the service definition and its checks are one concern. Every
check reads what resolve_service made (modes, APIs, prefixes, ports, the release), and
resolve_service relies on the checks for what it does not refuse itself; apart, each half
would import the other's internals.
"""

from __future__ import annotations

import hashlib
import re

try:
    import netaddr
except ImportError:  # pragma: no cover - the controller needs it (requirements-dev.txt)
    netaddr = None

from ansible_collections.osapi.wsgi.plugins.module_utils.entrypoint import EntrypointError, parse_entrypoint
from ansible_collections.osapi.wsgi.plugins.plugin_utils import series as osapi_series
from ansible_collections.osapi.wsgi.plugins.plugin_utils import tls as osapi_tls

MODES = ("uwsgi", "mod_wsgi", "gunicorn", "eventlet")
# what installs a release into its venv (osapi_wsgi_pip_installer)
PIP_INSTALLERS = ("uv", "pip")
WILDCARDS = ("0.0.0.0", "::")
LOOPBACK = "127.0.0.1"
# what a health check accepts from an API; token_required APIs also answer 401 to GET <prefix>/
OK_STATUS = (200, 300)

_WHOLE = re.compile(r"^[1-9][0-9]*$")
_PORT = re.compile(r"^[0-9]+$")
_PREFIX = re.compile(r"^/[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*$")
_API_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# What a service role hands the engine: its variables <service>_<name> (declared in each
# service role's meta/argument_specs.yml, tests/unit/roles/test_argument_specs.py) and the
# private __<service>_<name> of its vars/main.yml (PRIVATE_SETTINGS), with the value a missing
# one takes; the osapi.wsgi.service_settings lookup reads them (service_inputs: the one place
# that builds these names). REQUIRED_SETTINGS: every service role sets them (its defaults).
SETTINGS = {
    "version": "", "wsgi_mode": "uwsgi", "wsgi_processes": 1, "wsgi_threads": 1, "pip_extra_packages": [],
    "uwsgi_overrides": {}, "uwsgi_http_socket": False, "primary_host": None, "extra_config_files": {},
    "url_prefixes": {}, "entrypoints": {}, "config": {}, "config_overrides": {},
    # <service>_request_timeout (optional; '': each API's catalog value, else the shared one)
    "request_timeout": "",
}
# Apache's largest LimitRequestBody (2 GiB - 1): a service's own larger limit (glance's
# image_size_cap, 1 TiB) becomes 0, no limit in Apache, the service enforcing its own
APACHE_MAX_BODY = 2147483647
# the shared defaults (osapi_wsgi_request_timeout, osapi_wsgi_request_body_limit)
REQUEST_DEFAULTS = {"default_request_timeout": 300, "request_body_limit": 104857600}
# The Debian releases osapi.wsgi is tested on (roles/osapi_wsgi/vars/Debian_<major>.yml)
DEBIAN_RELEASES = {"12": "bookworm", "13": "trixie"}
# gunicorn settings the engine writes itself (files.gunicorn_settings): not operator options
GUNICORN_ENGINE_SETTINGS = ("wsgi_app", "bind", "umask", "raw_env", "proc_name", "when_ready", "post_worker_init",
                            "worker_exit")
PRIVATE_SETTINGS = {"commands": [], "primary_dirs": [], "venv_files": []}
# where the reader and writer of a primary's shared directories is installed on the hosts
SYNC_DIRS_PATH = "/usr/local/lib/osapi-wsgi/sync-dirs.py"
REQUIRED_SETTINGS = ("version", "wsgi_mode", "wsgi_processes", "wsgi_threads", "config")
# what the playbooks give the engine besides (the upgrade's steps replace these setup commands)
PLAYBOOK_SETTINGS = {"skip_commands": []}


class EngineError(Exception):
    """Input the engine cannot work with (a bug in the caller, not a bad setting)."""


def _is_ip(text):
    if netaddr is None:
        raise EngineError("osapi.wsgi needs the Python package netaddr on the controller (pip install netaddr)")
    text = str(text)
    return netaddr.valid_ipv4(text) or netaddr.valid_ipv6(text)


def _is_ipv6(text):
    return netaddr is not None and netaddr.valid_ipv6(str(text))


def hostport(address, port=None):
    """``address:port`` as Apache, URLs and HAProxy write it (IPv6 in brackets); without a
    port, the host part of a URL."""
    address = str(address)
    host = "[%s]" % address if _is_ipv6(address) else address
    return host if port is None else "%s:%s" % (host, port)


def connect_address(listen, connect="", fallback=LOOPBACK):
    """The address the engine (and a load balancer) reaches Apache by:
    osapi_wsgi_connect_address when set, else the listen address, else (listening on all
    addresses) the fallback."""
    if connect:
        return str(connect)
    if listen and str(listen) not in WILDCARDS:
        return str(listen)
    return fallback


def is_loopback(address):
    """Whether the address is a loopback address (127.0.0.0/8, ::1)."""
    return bool(_is_ip(address)) and netaddr.IPAddress(str(address)).is_loopback()


def loopback_address(address, ipv6=True):
    """Where something only this host reaches listens: the address itself when it is a
    loopback address (IPv4 only with ipv6 false: RabbitMQ's node names), else 127.0.0.1.
    The one rule for the eventlet servers behind Apache and the backing services' default."""
    address = str(address or "")
    if address and is_loopback(address) and (ipv6 or not _is_ipv6(address)):
        return address
    return LOOPBACK


def ok_status(api, base=OK_STATUS):
    """What a health check of the API's GET <prefix>/ accepts: base (the engine's 200 and
    300, or haproxy_check_expect_status), and 401 where even that needs a token."""
    return list(base) + ([401] if api.get("token_required") and 401 not in base else [])


def unanswered(results, loop_var="__api"):
    """The prefixes of the APIs whose check did not answer one of their own ok_status: the
    results of a uri loop over APIs (loop_var, each with prefix and ok_status). A skipped
    result has no status and counts as unanswered."""
    out = []
    for result in results or []:
        api = (result or {}).get(loop_var) or {}
        if result.get("status") not in (api.get("ok_status") or ok_status(api)):
            out.append(api.get("prefix", "?"))
    return out


def validates_tokens(config):
    """Whether a service with this config validates keystone tokens: not when a section sets
    auth_strategy to noauth (cinder, placement, ...) or paste_deploy's flavor leaves out
    keystone (glance)."""
    for name, section in _dict(config).items():
        section = _dict(section)
        if str(section.get("auth_strategy", "keystone")).startswith("noauth"):
            return False
        if name == "paste_deploy" and "flavor" in section and "keystone" not in str(section["flavor"] or ""):
            return False
    return True


def _mapping_of_mappings(value):
    return isinstance(value, dict) and all(isinstance(section, dict) for section in value.values())


def merge(*layers):
    """Deep merge of config layers, later ones winning (a non-mapping replaces)."""
    out = {}
    for layer in layers:
        for key, value in (layer or {}).items():
            if isinstance(value, dict) and isinstance(out.get(key), dict):
                out[key] = merge(out[key], value)
            else:
                out[key] = value
    return out


def _dict(value):
    return value if isinstance(value, dict) else {}


def apis(entry, url_prefixes=None, entrypoints=None):
    """The service's APIs with the operator's prefixes and entrypoints applied."""
    prefixes, points = _dict(url_prefixes), _dict(entrypoints)
    out = []
    for api in entry["apis"]:
        api = dict(api)
        api["prefix"] = prefixes.get(api["name"], api["prefix"])
        api["entrypoint"] = points.get(api["name"], api["entrypoint"])
        api["ok_status"] = ok_status(api)
        api["auth_check"] = api.get("auth_check")
        api["healthcheck"] = api.get("healthcheck")
        out.append(api)
    return out


def healthcheck_layer(service_apis):
    """The config options that turn on each API's healthcheck or give it its drain file
    (catalog healthcheck.config), merged under everything the operator sets."""
    layer = {}
    for api in service_apis:
        layer = merge(layer, _dict((api.get("healthcheck") or {}).get("config")))
    return layer


def node_apis(catalog, services, url_prefixes=()):
    """Every API of the services, in order, with their prefixes (url_prefixes: each
    service's <service>_url_prefixes, in the same order) and what their health check
    accepts: [{service, name, prefix, entrypoint, ok_status, ...}]."""
    url_prefixes = list(url_prefixes)
    return [dict(api, service=svc) for index, svc in enumerate(services)
            for api in apis(catalog[svc], url_prefixes[index] if index < len(url_prefixes) else None)]


def _standalone_layer(service_apis, connect, processes):
    """eventlet mode: the standalone servers listen where Apache forwards to."""
    layer = {}
    for api in service_apis:
        server = api.get("standalone")
        if not server:
            continue
        options = {server["host_option"]: connect, server["port_option"]: api["port"]}
        if server.get("workers_option"):
            options[server["workers_option"]] = int(processes)
        layer[server["section"]] = merge(layer.get(server["section"], {}), options)
    return layer


def request_body_limit(api, config, default):
    """Apache's LimitRequestBody of an API (bytes, 0: none): the catalog's
    `request_body_limit`, a number or {section, option, default} read from the service's
    config (glance's image_size_cap), else the shared default. Above Apache's largest value: 0."""
    limit = api.get("request_body_limit", default)
    if isinstance(limit, dict):
        limit = _dict(_dict(config).get(limit["section"])).get(limit["option"], limit.get("default", default))
    if not _PORT.match(str(limit)):
        return str(limit)
    return 0 if int(limit) > APACHE_MAX_BODY else int(limit)


def _request_limits(service_apis, config, values):
    """Each API with its request timeout and body limit (request_body_limit)."""
    shared = dict(REQUEST_DEFAULTS, **{key: values[key] for key in REQUEST_DEFAULTS if values.get(key) not in (None, "")})
    for api in service_apis:
        timeout = values["request_timeout"]
        api["request_timeout"] = api.get("request_timeout", shared["default_request_timeout"]) if timeout in (None, "") \
            else timeout
        api["request_body_limit"] = request_body_limit(api, config, shared["request_body_limit"])
    return service_apis


def resolve_service(entry, name, settings, venv_root, connect, cloud_config=None, config_overrides=None,
                    inventory_hostname=None, series=None, outside_series=()):
    """The service's definition: its catalog entry with the role's settings applied.

    settings: {name: value} of SETTINGS, PRIVATE_SETTINGS and PLAYBOOK_SETTINGS (missing: defaults), and the
    shared REQUEST_DEFAULTS (osapi_wsgi_request_timeout, osapi_wsgi_request_body_limit).
    series: osapi_wsgi_openstack_series; with the version setting ('' = the series' release)
    and outside_series (osapi_wsgi_versions_outside_series) it decides the release
    (plugins/plugin_utils/series.py release_for; check_service reports its refusals).
    connect: the resolved connect address. The config layers, in order: the log file,
    cloud_config (how it reaches the rest of the cloud), <service>_config,
    osapi_wsgi_config_overrides, <service>_config_overrides, the standalone servers'
    listen options (eventlet mode).
    """
    values = dict(SETTINGS, **PRIVATE_SETTINGS, **PLAYBOOK_SETTINGS)
    values.update({key: value for key, value in (settings or {}).items() if value is not None})
    project = entry.get("project") or name
    service_apis = apis(entry, values["url_prefixes"], values["entrypoints"])
    mode = values["wsgi_mode"]
    processes = values["wsgi_processes"]
    standalone = {}
    if mode == "eventlet" and _WHOLE.match(str(processes)):
        # behind Apache only: never on the listen address, where clients would bypass it
        standalone = _standalone_layer(service_apis, loopback_address(connect), processes)
    series = osapi_series.DEFAULT if series is None else str(series)
    version, release_errors = osapi_series.release_for(entry, name, series, values["version"],
                                                       name in (outside_series or ()))
    config = merge({"DEFAULT": {"log_file": "/var/log/%s/%s.log" % (project, project)}},
                   healthcheck_layer(service_apis), _dict(cloud_config), _dict(values["config"]), _dict(config_overrides),
                   _dict(values["config_overrides"]), standalone)
    if not validates_tokens(config):
        # no token to validate: the health check's authenticated call proves nothing
        service_apis = [dict(api, auth_check=None) for api in service_apis]
    svc = dict(entry)
    svc.update({
        "name": name, "user": project, "group": project,
        "version": version or str(values["version"]), "series": series, "release_errors": release_errors,
        "mode": mode, "processes": processes, "threads": values["wsgi_threads"],
        "venv": "%s/%s" % (venv_root, name),
        "etc_dir": "/etc/" + project, "lib_dir": "/var/lib/" + project, "log_dir": "/var/log/" + project,
        "connect_address": connect,
        # where the eventlet servers listen, behind Apache only
        "standalone_address": loopback_address(connect),
        "pip_extra": values["pip_extra_packages"], "uwsgi_overrides": values["uwsgi_overrides"],
        "uwsgi_http_socket": bool(values["uwsgi_http_socket"]),
        # playbooks/upgrade.yml and rollback.yml leave out the commands their steps replace
        "commands": [cmd for cmd in values["commands"] if cmd.get("name") not in (values["skip_commands"] or [])],
        "primary": values["primary_host"] or inventory_hostname,
        "primary_dirs": values["primary_dirs"], "extra_config_files": values["extra_config_files"],
        # taken by the copy of primary_dirs (primary_dirs.yml) and by keystone's key rotation
        "primary_dirs_lock": "/run/lock/osapi-wsgi-%s-primary-dirs.lock" % name,
        # their reader and writer on the hosts (roles/osapi_wsgi/files/sync-dirs.py): the writer's
        # command line, which the deploy's copy and keystone's key push (a forced command) run
        "sync_dirs": SYNC_DIRS_PATH,
        "sync_write": ["python3", SYNC_DIRS_PATH, "write", "--group", project] + [
            "%s=%s" % (item["path"], item.get("owner") or project) for item in values["primary_dirs"] or []],
        "venv_files": values["venv_files"],
        "config": config,
        # kept to check the keys against the APIs
        "url_prefixes": values["url_prefixes"], "entrypoints": values["entrypoints"],
    })
    svc["apis"] = _request_limits(service_apis, svc["config"], values)
    return svc


def supported_modes(svc):
    """The modes the service can run in: eventlet only when every API has a standalone server."""
    return ["uwsgi", "mod_wsgi", "gunicorn"] + (["eventlet"] if all(api.get("standalone") for api in svc["apis"]) else [])


def supported_releases():
    return " and ".join("Debian %s (%s)" % item for item in sorted(DEBIAN_RELEASES.items()))


def check_shared(settings, os_family="Debian", distribution="Debian", major=None):
    """The collection-wide settings (osapi_wsgi_*), keys without the prefix, and the host's
    platform (os_family, distribution and its major version, as Ansible's facts name them)."""
    errors = []
    value = settings.get
    if "openstack_series" in settings:
        errors.extend(osapi_series.check_series(value("openstack_series"))
                      or osapi_series.check_platform(value("openstack_series"), distribution, major))
    outside = value("versions_outside_series", [])
    if not isinstance(outside, list):
        errors.append("osapi_wsgi_versions_outside_series must be a list of service names whose <service>_version"
                      " may name a release outside osapi_wsgi_openstack_series, e.g. [keystone].")
    if os_family != "Debian":
        errors.append("osapi.wsgi supports Debian-family hosts (tested on %s); this host is %s."
                      % (supported_releases(), os_family))
    elif distribution == "Debian" and major is not None and str(major) not in DEBIAN_RELEASES:
        errors.append("osapi.wsgi supports %s; this host runs Debian %s. Upgrade it, or deploy to a supported"
                      " release." % (supported_releases(), major))
    if value("mode") not in MODES:
        errors.append("osapi_wsgi_mode is '%s': set it to one of %s." % (value("mode"), ", ".join(MODES)))
    if not _is_ip(value("listen_address", "")):
        errors.append("osapi_wsgi_listen_address is '%s': set it to an IPv4 or IPv6 address (0.0.0.0 for all)."
                      % value("listen_address", ""))
    if value("connect_address") and not _is_ip(value("connect_address")):
        errors.append("osapi_wsgi_connect_address is '%s': set it to an IP address of this host, or empty."
                      % value("connect_address"))
    errors.extend(check_port(value("http_port"), "osapi_wsgi_http_port"))
    errors.extend(check_backends_address(settings))
    if not str(value("venv_root", "")).startswith("/"):
        errors.append("osapi_wsgi_venv_root is '%s': set it to an absolute path." % value("venv_root", ""))
    if value("pip_installer", "uv") not in PIP_INSTALLERS:
        errors.append("osapi_wsgi_pip_installer is '%s': set it to one of %s."
                      % (value("pip_installer"), ", ".join(PIP_INSTALLERS)))
    if not re.match(r"^[0-9]+\.[0-9]+\.[0-9]+$", str(value("uv_version", "0.0.0"))):
        errors.append("osapi_wsgi_uv_version is '%s': set it to an exact uv release such as 0.13.9."
                      % value("uv_version"))
    if not isinstance(value("pip_find_links", []), list):
        errors.append("osapi_wsgi_pip_find_links must be a list of wheelhouse directories or URLs, e.g. [/srv/wheels].")
    if not _mapping_of_mappings(value("config_overrides", {})):
        errors.append("osapi_wsgi_config_overrides must map section names to mappings of option: value,"
                      " e.g. {DEFAULT: {debug: true}}.")
    if not isinstance(value("uwsgi_options", {}), dict):
        errors.append("osapi_wsgi_uwsgi_options must be a mapping of uWSGI option names to values.")
    gunicorn = value("gunicorn_options", {})
    reserved = sorted(set(gunicorn) & set(GUNICORN_ENGINE_SETTINGS)) if isinstance(gunicorn, dict) else []
    if not isinstance(gunicorn, dict) or not all(_IDENTIFIER.match(str(key)) for key in gunicorn):
        errors.append("osapi_wsgi_gunicorn_options must be a mapping of gunicorn setting names to values,"
                      " e.g. {timeout: 120, max_requests: 2000}.")
    elif reserved:
        errors.append("osapi_wsgi_gunicorn_options sets %s: the engine writes those itself (socket, entrypoint,"
                      " environment); leave them out." % ", ".join(reserved))
    errors.extend(osapi_tls.check_tls_pair("osapi_wsgi", value("tls_enabled"), value("tls_certificate"),
                                           value("tls_private_key"), value("tls_ca_certificate")))
    if value("memcached_tls", False) and not value("tls_enabled", False):
        errors.append("osapi_wsgi_memcached_tls is on but osapi_wsgi_tls_enabled is off: memcached and its clients"
                      " use the node's TLS certificate. Turn osapi_wsgi_tls_enabled on, or osapi_wsgi_memcached_tls"
                      " off.")
    series = value("openstack_series", osapi_series.DEFAULT)
    if value("memcached_tls", False) and not osapi_series.memcached_tls_supported(series):
        errors.append("osapi_wsgi_memcached_tls is on with osapi_wsgi_openstack_series %s, whose keystonemiddleware"
                      " cannot reach memcached over TLS (from %s on): turn osapi_wsgi_memcached_tls off (memcached"
                      " then stays on loopback or the management network) or deploy a later series."
                      % (series, osapi_series.MEMCACHED_TLS_SERIES[0]))
    return errors


def public_addresses(settings):
    """The addresses the APIs' clients reach: the listen address unless loopback or all
    addresses, and the public address of keystone's catalog."""
    out = []
    listen = str(settings.get("listen_address") or "")
    if listen and listen not in WILDCARDS and _is_ip(listen) and not is_loopback(listen):
        out.append(("osapi_wsgi_listen_address", listen))
    public = str(settings.get("public_address") or "").strip()
    if public and not (_is_ip(public) and is_loopback(public)):
        out.append(("osapi_wsgi_public_address", public))
    return out


def check_backends_address(settings):
    """The backing services (memcached: no authentication) listen where the APIs' clients
    are only when the operator says so (osapi_wsgi_backends_on_api_address)."""
    address = str(settings.get("backends_address") or "").strip()
    if not address:
        return []
    if not _is_ip(address):
        return ["osapi_wsgi_backends_address is '%s': set it to an IP address of this host on the management"
                " network, or empty for loopback." % address]
    if settings.get("backends_on_api_address"):
        return []
    if address in WILDCARDS:
        return ["osapi_wsgi_backends_address is %s (every address): memcached, MariaDB and RabbitMQ would listen"
                " where the APIs' clients are. Set it to a management address, or empty for loopback (or set"
                " osapi_wsgi_backends_on_api_address: true to accept that)." % address]
    clash = [variable for variable, public in public_addresses(settings) if public == address]
    if clash:
        return ["osapi_wsgi_backends_address is %s, the address the APIs' clients reach (%s): memcached (no"
                " authentication), MariaDB and RabbitMQ would listen there. Set osapi_wsgi_backends_address to a"
                " management address, or empty for loopback (or set osapi_wsgi_backends_on_api_address: true to"
                " accept that)." % (address, ", ".join(clash))]
    return []


def check_port(port, variable):
    """A TCP port number, as a number or a string of digits."""
    if isinstance(port, bool) or not _PORT.match(str(port)) or not 0 < int(port) < 65536:
        return ["%s is '%s': set it to a TCP port number (1-65535)." % (variable, port)]
    return []


def host_apis(catalog, name, registry, planned=None):
    """Every other API on this host: those osapi.wsgi serves here already (the registry,
    {service: {mode, apis: [{name, prefix, port}]}}) and those this play deploys here too
    (planned: {service: [its <service>_wsgi_mode, its <service>_url_prefixes]}, which win
    over the registry)."""
    planned = planned or {}
    out = []
    for svc, recorded in sorted((registry or {}).items()):
        if svc == name or svc in planned:
            continue
        for api in recorded.get("apis", []):
            out.append(dict(api, service=svc))
    for svc, (mode, url_prefixes) in planned.items():
        if svc != name:
            out.extend(dict(api, service=svc) for api in registry_entry(
                {"mode": mode, "apis": apis(catalog[svc], url_prefixes)})["apis"])
    return out


def _overlap(one, other):
    return one == other or other.startswith(one + "/") or one.startswith(other + "/")


def _unique(items):
    out = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def check_service(svc, others=(), http_port=80, recorded=None, packages=None, change_allowed=False):
    """Every check of one service's settings, alone and against the host's other APIs;
    with recorded (the host registry's entry of the service), packages (the install key's
    digest) and change_allowed (an upgrade or rollback step), that a plain deploy does not
    change a deployed release (series.check_deployed)."""
    name = svc["name"]
    errors = []
    supported = supported_modes(svc)
    if svc["mode"] not in MODES:
        errors.append("%s_wsgi_mode is '%s': set it to one of %s." % (name, svc["mode"], ", ".join(supported)))
    elif svc["mode"] not in supported:
        errors.append("%s_wsgi_mode is 'eventlet' but %s has no standalone API server (%s); %s supports: %s."
                      " Set %s_wsgi_mode to one of those."
                      % (name, name, ", ".join(api["name"] for api in svc["apis"] if not api.get("standalone")),
                         name, ", ".join(supported), name))
    for setting in ("processes", "threads"):
        if not _WHOLE.match(str(svc[setting])):
            errors.append("%s_wsgi_%s is '%s': set it to a whole number >= 1." % (name, setting, svc[setting]))
    errors.extend(svc.get("release_errors") or [])
    if not _mapping_of_mappings(svc["config"]):
        errors.append("%s_config and %s_config_overrides must map section names to mappings of option: value,"
                      " e.g. {DEFAULT: {debug: true}}." % (name, name))
    if not isinstance(svc["uwsgi_overrides"], dict):
        errors.append("%s_uwsgi_overrides must be a mapping of uWSGI option names to values." % name)
    if not isinstance(svc["pip_extra"], list):
        errors.append("%s_pip_extra_packages must be a list of pip requirement strings." % name)
    for api in svc["apis"]:
        errors.extend(_check_api(name, api))
    bad = _unique("%s (%s)" % (api["request_timeout"], api["name"]) for api in svc["apis"]
                  if not _PORT.match(str(api.get("request_timeout", 0))))
    if bad:
        errors.append("%s_request_timeout (or osapi_wsgi_request_timeout) is %s: set it to the seconds a request may"
                      " take before its worker is replaced (a whole number; 0 for no limit)." % (name, ", ".join(bad)))
    bad = _unique("%s (%s)" % (api["request_body_limit"], api["name"]) for api in svc["apis"]
                  if not _PORT.match(str(api.get("request_body_limit", 0))))
    if bad:
        errors.append("osapi_wsgi_request_body_limit (or the service's own limit option) is %s: set it to the largest"
                      " request body in bytes (a whole number; 0 for no limit)." % ", ".join(bad))

    names = [api["name"] for api in svc["apis"]]
    for setting in ("url_prefixes", "entrypoints"):
        unknown = [key for key in _dict(svc.get(setting)) if key not in names]
        if unknown:
            errors.append("%s_%s names no API of %s: %s; its APIs are %s."
                          % (name, setting, name, ", ".join(unknown), ", ".join(names)))

    mine = [dict(api, service=name) for api in svc["apis"]]
    clashes = _unique(
        "%s at %s and %s (%s) at %s" % (api["name"], api["prefix"], other["name"], other["service"], other["prefix"])
        for api in mine for other in list(others) + [o for o in mine if o["name"] != api["name"]]
        if _overlap(str(api["prefix"]), str(other["prefix"])))
    if clashes:
        errors.append("%s_url_prefixes: URL prefixes overlap on this host (%s): Apache would send one API's"
                      " requests to the other. Give each API its own prefix." % (name, "; ".join(clashes)))

    errors.extend(_check_ports(svc, others, http_port))
    if not svc.get("release_errors"):
        errors.extend(osapi_series.check_deployed(svc, recorded, packages, change_allowed))

    limited = [api for api in svc["apis"] if api.get("max_threads")]
    if limited and _WHOLE.match(str(svc["threads"])):
        most = min(api["max_threads"] for api in limited)
        if int(svc["threads"]) > most:
            errors.append("%s_wsgi_threads is %s, but %s. Set %s_wsgi_threads to %s and raise %s_wsgi_processes"
                          " instead." % (name, svc["threads"], "; ".join(
                              "%s allows at most %s (%s)" % (api["name"], api["max_threads"],
                                                             " ".join(str(api.get("max_threads_why", "")).split()))
                              for api in limited), name, most, name))
    return errors


def _check_api(name, api):
    try:
        parse_entrypoint(api["entrypoint"])
        entrypoint_ok = True
    except (EntrypointError, TypeError):
        entrypoint_ok = False
    if entrypoint_ok and _PREFIX.match(str(api["prefix"])) and _API_NAME.match(str(api["name"])):
        return []
    return ["API %s of %s: entrypoint '%s' must read 'package.module:callable' and prefix '%s' must be a path"
            " such as /identity (no trailing slash). Fix %s_entrypoints or %s_url_prefixes."
            % (api["name"], name, api["entrypoint"], api["prefix"], name, name)]


def _check_ports(svc, others, http_port):
    """Apache's port and this service's standalone servers against every other listener."""
    name = svc["name"]
    mine = [(int(http_port), "Apache (osapi_wsgi_http_port)")] if not check_port(http_port, "") else []
    if svc["mode"] == "eventlet":
        mine += [(api["port"], "%s's standalone server (%s_wsgi_mode eventlet)" % (api["name"], name))
                 for api in svc["apis"] if api.get("standalone")]
    theirs = [(other["port"], "%s's standalone server (%s_wsgi_mode eventlet)" % (other["name"], other["service"]))
              for other in others if other.get("port")]
    clashes = _unique("%s and %s both want port %s" % (one, two, port_one)
                      for index, (port_one, one) in enumerate(mine)
                      for port_two, two in mine[index + 1:] + theirs if port_one == port_two)
    if clashes:
        return ["Port clash on this host: %s. Set osapi_wsgi_http_port to a port no standalone API server uses,"
                " or run that service in uwsgi or mod_wsgi mode." % "; ".join(clashes)]
    return []


def registry_entry(svc, venv_dir=None, switched=None, previous=None, packages=None):
    """What the host's registry records of a deployed service (read by host_apis and
    series.check_deployed): its mode, its APIs and, once its venv is known, the series, the
    release, the install key's digest (packages), the installed distributions (installed,
    from this run's osapi.wsgi.venv_switch result: what `pip freeze` lists, and its digest),
    the venv its stable path serves and the previous venvs kept."""
    out = {"mode": svc["mode"],
           "apis": [{"name": api["name"], "prefix": api["prefix"],
                     "port": api["port"] if svc["mode"] == "eventlet" and api.get("standalone") else None}
                    for api in svc["apis"]]}
    if venv_dir:
        out.update({"venv": venv_dir, "version": svc["version"], "series": svc.get("series"), "packages": packages})
        for key, fallback in (("kept", "venvs_kept"), ("installed", "installed"), ("installed_digest", "installed_digest")):
            if switched and key in switched:
                out[fallback] = list(switched[key]) if isinstance(switched[key], list) else switched[key]
            elif previous and fallback in previous:
                out[fallback] = previous[fallback]
    return out


def venv_dir(svc, pip_key):
    """The versioned venv of a service's release: <venv>-<version>-<first 8 hex digits of
    the install key's SHA-1> (keystone 29.1.0 -> /opt/openstack/keystone-29.1.0-1a2b3c4d), so
    that another package set of the same release (constraints, extra packages) is built
    beside the running one, never into it. The stable path <venv> is a symlink to it."""
    return "%s-%s-%s" % (svc["venv"], svc["version"], hashlib.sha1(str(pip_key).encode("utf-8")).hexdigest()[:8])


def primary_host(name, groups, host, given=""):
    """The node of a service that alone runs its primary_only setup commands (key creation,
    database sync, bootstrap) and whose primary_dirs the others copy: <service>_primary_host
    when given, else the first host of the service's group (this host when it is not in it)."""
    if given:
        return str(given)
    members = list((groups or {}).get(name) or [])
    return members[0] if host in members else host


def service_inputs(name, read, groups=None, host=None, only=None):
    """The settings of one service role for resolve_service. read(variable) returns
    (True, value) or (False, None). A required variable that is not set is an EngineError
    naming it; primary_host is decided here (primary_host()). only: just these settings,
    a missing one as its default (for the playbooks, which run outside the service's role)."""
    out = {}
    wanted = list(SETTINGS.items()) + list(PRIVATE_SETTINGS.items())
    if only is not None:
        unknown = sorted(set(only) - {setting for setting, _default in wanted})
        if unknown:
            raise EngineError("unknown service settings %s: they are %s" % (unknown, ", ".join(SETTINGS)))
        wanted = [(setting, default) for setting, default in wanted if setting in only]
    for setting, default in wanted:
        variable = ("__%s_%s" if setting in PRIVATE_SETTINGS else "%s_%s") % (name, setting)
        found, value = read(variable)
        if not found and setting in REQUIRED_SETTINGS and only is None:
            raise EngineError("%s is not set: deploy %s through its role (osapi.wsgi.%s), whose defaults set it"
                              % (variable, name, name))
        out[setting] = value if found else default
    if "uwsgi_http_socket" in out:
        out["uwsgi_http_socket"] = str(out["uwsgi_http_socket"]).lower() in ("true", "yes", "1", "on")
    if "primary_host" in out:
        out["primary_host"] = primary_host(name, groups, host, out["primary_host"])
    return out


def primary_of(name, groups, hostvars):
    """The primary node of a service's group, as its nodes decide it (primary_host()): the
    <service>_primary_host of its first host, else that host. For the upgrade playbooks."""
    members = list((groups or {}).get(name) or [])
    if not members:
        raise EngineError("no host in the %s group" % name)
    return primary_host(name, groups, members[0], (hostvars[members[0]] or {}).get(name + "_primary_host") or "")
