# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a service's files say, as plain functions (what a deploy then does with them is
plan.py's).

The engine writes every file of a service with two calls of the osapi.wsgi.service_files
module (plugins/modules/service_files.py), so the text of each file is made here, on the
controller: the service's config (ini), its further config files, the uWSGI ini and the
systemd unit of each API, the mod_wsgi script, and Apache's files (ports, virtual host,
hardening, the service's routes). Every address is written by engine.hostport (IPv6 in
brackets), in one place. The texts are those the role's Jinja templates wrote before, byte
for byte, so an upgrade of the collection restarts nothing.

Why one file of over 400 lines: it is the text of every file a service has, in every mode,
and those texts share their rules (socket paths, the units' sandbox, the chain reload, the
Apache routes of each mode); split by mode, each part would repeat or import the others'.
"""

from __future__ import annotations

import hashlib
import json
import pathlib

from ansible_collections.osapi.wsgi.plugins.plugin_utils import cloud as osapi_cloud
from ansible_collections.osapi.wsgi.plugins.plugin_utils.engine import SYNC_DIRS_PATH, EngineError, hostport

# What the templates' {{ ansible_managed | comment }} wrote with Ansible's default setting.
HEADER = "#\n# Ansible managed\n#\n"
WILDCARDS = ("0.0.0.0", "::")
UNIT_DIR = "/etc/systemd/system"
# the modes that run one systemd unit per API (mod_wsgi runs in Apache)
UNIT_MODES = ("uwsgi", "gunicorn", "eventlet")
# the unit modes whose ExecReload is the chain reload (CHAIN_RELOAD_TEXT); eventlet restarts
CHAIN_RELOAD_MODES = ("uwsgi", "gunicorn")


def ini_value(value):
    """One option value as the ini files write it: booleans in lower case, None empty."""
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return ""
    return str(value)


def ini_text(sections):
    """{section: {option: value}} as an ini file; a list value repeats the option."""
    if not isinstance(sections, dict):
        raise EngineError("an ini file needs a mapping of sections, got %r" % type(sections).__name__)
    lines = [HEADER]
    for section, options in sections.items():
        lines.append("\n[%s]\n" % section)
        for key, value in (options or {}).items():
            values = list(value) if isinstance(value, (list, tuple, dict)) else [value]
            lines.extend("%s = %s\n" % (key, ini_value(item)) for item in values)
    return "".join(lines)


def checksum(text):
    """SHA-1 of a file's text, as Ansible's stat and copy report it."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def socket_path(api):
    return "/run/%s/%s.sock" % (api["name"], api["name"])


def fifo_path(api):
    """uWSGI's master FIFO of one API (in the unit's runtime directory, the service user's)."""
    return "/run/%s/master.fifo" % api["name"]


# The scripts the engine installs on the hosts are real files of the role (shellcheck-clean,
# tests/unit/roles/test_host_scripts.py); their text is read here, on the controller.
HOST_SCRIPTS = pathlib.Path(__file__).resolve().parents[2] / "roles" / "osapi_wsgi" / "files"


def _host_script(name):
    return (HOST_SCRIPTS / name).read_text(encoding="utf-8")


CHAIN_RELOAD_PATH = "/usr/local/lib/osapi-wsgi/uwsgi-chain-reload"
# The ExecReload of a uWSGI or gunicorn unit: the workers replaced one at a time, each new
# one loading the application before the next old one stops, so warm workers always serve.
# uWSGI: a chain reload (lazy-apps) through the master FIFO. gunicorn: SIGTTIN (one worker
# more), wait until the new worker has loaded the application (its post_worker_init hook
# leaves <run dir>/worker.<pid>.ready), SIGTTOU (one fewer: gunicorn stops the oldest, an
# old one, gracefully), once per old worker. Either way the script returns once no worker
# of before the reload is left, so that `systemctl reload` (and the health check after it)
# see the new code serving. (Its name is from when only uWSGI used it: the unit files that
# name it stay unchanged.)
CHAIN_RELOAD_TEXT = _host_script("uwsgi-chain-reload")


MOD_WSGI_RESTART_PATH = "/usr/local/lib/osapi-wsgi/mod-wsgi-chain-restart"
# A new application for a mod_wsgi API whose Apache files are unchanged: instead of
# reloading Apache (which restarts every daemon process of every API at once, and each API
# stalls while its new daemons load the application), its daemon processes are restarted
# one at a time with mod_wsgi's graceful signal (SIGUSR1). A daemon loads a preloaded
# application (WSGIScriptAlias with process-group and application-group) before its worker
# threads accept, so the next old one is signalled only once the new one has its threads:
# the others serve meanwhile.
MOD_WSGI_RESTART_TEXT = _host_script("mod-wsgi-chain-restart")


# The reader and writer of a primary node's shared directories (keystone's keys) on every node
# of a service that has them (Python, standard library only).
SYNC_DIRS_TEXT = _host_script("sync-dirs.py")


def uwsgi_options(svc, api, host):
    """The [uwsgi] section of one API: the engine's base options, then the http-socket
    tunables, osapi_wsgi_uwsgi_options, <service>_uwsgi_overrides, and what the engine
    must decide itself (venv, socket, entrypoint)."""
    options = dict(host.get("uwsgi_base") or {})
    options.update({"processes": int(svc["processes"]), "threads": int(svc["threads"])})
    if int(api.get("request_timeout") or 0):
        # a worker stuck on one request longer than this is killed and replaced
        options["harakiri"] = int(api["request_timeout"])
    if svc["uwsgi_http_socket"]:
        options.update(host.get("uwsgi_http_tunables") or {})
    options.update(host.get("uwsgi_options") or {})
    options.update(svc.get("uwsgi_overrides") or {})
    options.update({"virtualenv": svc["venv"], "chown-socket": "%s:%s" % (svc["user"], host["apache_group"]),
                    "procname-prefix-spaced": api["name"], "master-fifo": fifo_path(api)})
    if svc["uwsgi_http_socket"]:
        # HTTP on the unix socket, for mod_proxy_http, which streams chunked request bodies
        # (mod_proxy_uwsgi answers 411 to them); the app is mounted at its prefix
        options.update({"http-socket": socket_path(api), "mount": "%s=%s" % (api["prefix"], api["entrypoint"]),
                        "manage-script-name": True})
    else:
        # uwsgi protocol: mod_proxy_uwsgi passes SCRIPT_NAME itself
        options.update({"socket": socket_path(api), "module": api["entrypoint"]})
    return options


def gunicorn_conf_path(svc, api):
    return "%s/gunicorn/%s.conf.py" % (svc["etc_dir"], api["name"])


def gunicorn_socket_path(api):
    return "/run/%s/gunicorn.sock" % api["name"]


# gunicorn's settings for every API before osapi_wsgi_gunicorn_options: threaded workers (a
# long request, e.g. an image upload, does not count against the timeout, which only checks
# that a worker's main loop lives), workers recycled after 100000-150000 requests (a wide
# jitter: with 10000 +- 1000 both workers of the benchmark recycled within a second of each
# other every few seconds, and the API stalled while they loaded it again: p99 1.1-1.6 s and
# a quarter less req/s on the version document), 80 s for a graceful stop (uWSGI's
# worker-reload-mercy),
# no keep-alive (Apache opens a connection per request: disablereuse), no access log (Apache
# writes it), errors to the journal. worker_connections (gunicorn_settings) is the threads: a
# worker accepts a connection only when a thread is free, so the idle worker takes the next
# one.
GUNICORN_BASE = {"worker_class": "gthread", "timeout": 60, "graceful_timeout": 80, "max_requests": 100000,
                 "max_requests_jitter": 50000, "keepalive": 0, "accesslog": None, "errorlog": "-"}


def gunicorn_settings(svc, api, host):
    """The settings of one API's gunicorn.conf.py: the engine's base, the workers and threads
    of the service, osapi_wsgi_gunicorn_options, then what the engine decides itself (the
    entrypoint, the unix socket, its mode, the process name, SCRIPT_NAME = the prefix)."""
    settings = dict(GUNICORN_BASE, workers=int(svc["processes"]), threads=int(svc["threads"]),
                    worker_connections=int(svc["threads"]))
    if "request_timeout" in api:
        # gthread workers: a worker whose main loop stops answering this long is replaced
        settings["timeout"] = int(api["request_timeout"])
    settings.update(host.get("gunicorn_options") or {})
    settings.update({"wsgi_app": api["entrypoint"], "bind": ["unix:%s" % gunicorn_socket_path(api)],
                     "umask": 0o117, "proc_name": api["name"], "raw_env": ["SCRIPT_NAME=%s" % api["prefix"]]})
    return settings


def gunicorn_conf_text(svc, api, host):
    """One API's gunicorn.conf.py. gunicorn reads it through GUNICORN_CMD_ARGS (the unit), so
    that its command line stays empty: the applications' own config loaders parse sys.argv
    (keystone's workers exit on gunicorn's arguments)."""
    settings = gunicorn_settings(svc, api, host)
    lines = [HEADER, "# gunicorn settings of %s (osapi.wsgi, gunicorn mode).\n" % api["name"], "import grp\n",
             "import os\n", "\n"]
    for key, value in settings.items():
        lines.append("%s = %s\n" % (key, "0o%o" % value if key == "umask" else repr(value)))
    ready = "/run/%s/worker.%%s.ready" % api["name"]
    lines += ["\n\n", "def when_ready(server):\n",
              "    \"\"\"Give the socket to Apache's group (the unit's supplementary group): mode 0660.\"\"\"\n",
              "    os.chown(%r, -1, grp.getgrnam(%r).gr_gid)\n" % (gunicorn_socket_path(api), host["apache_group"]),
              "\n\n", "def post_worker_init(worker):\n",
              "    \"\"\"This worker has loaded the application: the reload (ExecReload) waits for it.\"\"\"\n",
              "    open(%r %% worker.pid, \"w\").close()\n" % ready,
              "\n\n", "def worker_exit(server, worker):\n",
              "    try:\n", "        os.unlink(%r %% worker.pid)\n" % ready, "    except OSError:\n", "        pass\n"]
    return "".join(lines)


def sandbox_lines(svc):
    """The sandbox of an API's unit: no privilege gained through setuid binaries or file
    capabilities, the whole file system read-only but for what the service writes (its
    /var/lib and /var/log directories, and its runtime directory, which systemd makes
    writable), a /tmp of its own, no home directories."""
    return ["# sandbox: read-only system but for what %s writes (docs/security.md)\n" % svc["name"],
            "NoNewPrivileges=true\n", "ProtectSystem=strict\n",
            "ReadWritePaths=%s %s\n" % (svc["lib_dir"], svc["log_dir"]),
            "PrivateTmp=true\n", "ProtectHome=true\n"]


def unit_text(svc, api, host):
    """The systemd unit of one API (uwsgi mode: uWSGI; gunicorn mode: gunicorn; eventlet
    mode: the standalone server)."""
    uwsgi, gunicorn = svc["mode"] == "uwsgi", svc["mode"] == "gunicorn"
    what = api["entrypoint"] if uwsgi or gunicorn else api["standalone"]["argv"][0]
    lines = [HEADER, "[Unit]\n",
             "Description=OpenStack %s (%s: %s)\n" % (api["name"], svc["mode"], what),
             "After=network-online.target\n", "Wants=network-online.target\n", "\n", "[Service]\n",
             "Type=notify\n" if uwsgi or gunicorn else "Type=simple\n",
             "User=%s\n" % svc["user"], "Group=%s\n" % svc["group"]] + sandbox_lines(svc)
    if uwsgi or gunicorn:
        lines += ["# Lets %s hand its socket to Apache's group without running as root.\n"
                  % ("uWSGI" if uwsgi else "gunicorn"),
                  "SupplementaryGroups=%s\n" % host["apache_group"],
                  "RuntimeDirectory=%s\n" % api["name"], "RuntimeDirectoryMode=0755\n"]
    lines += ["Environment=%s=%s\n" % item for item in (svc.get("config_env") or {}).items()]
    if gunicorn:
        lines.append("Environment=GUNICORN_CMD_ARGS=--config=%s\n" % gunicorn_conf_path(svc, api))
    lines.append("WorkingDirectory=%s\n" % svc["lib_dir"])
    if uwsgi:
        lines += ["ExecStart=%s --ini %s/uwsgi/%s.ini\n" % (host["uwsgi_binary"], svc["etc_dir"], api["name"]),
                  "# a chain reload: one worker at a time, a warm one always serving\n",
                  "ExecReload=%s $MAINPID %s\n" % (CHAIN_RELOAD_PATH, fifo_path(api)),
                  "# die-on-term: SIGTERM stops uWSGI (its master kills the workers gracefully).\n",
                  "KillSignal=SIGTERM\n", "KillMode=mixed\n"]
    elif gunicorn:
        lines += ["# the venv's stable path: workers started by a reload import the release it points to\n",
                  "ExecStart=%s/bin/python3 -m gunicorn\n" % svc["venv"],
                  "# workers replaced one at a time, a warm one always serving\n",
                  "ExecReload=%s $MAINPID gunicorn:/run/%s\n" % (CHAIN_RELOAD_PATH, api["name"]),
                  "# SIGTERM: a graceful stop (graceful_timeout)\n", "KillSignal=SIGTERM\n", "KillMode=mixed\n"]
    else:
        argv = api["standalone"]["argv"]
        lines.append("ExecStart=%s\n" % " ".join(["%s/bin/%s" % (svc["venv"], argv[0])] + list(argv[1:])))
    lines += ["TimeoutStopSec=60\n", "Restart=on-failure\n", "RestartSec=2\n", "\n", "[Install]\n",
              "WantedBy=multi-user.target\n"]
    return "".join(lines)


def wsgi_script_text(svc, api):
    """mod_wsgi's script of one API: it imports the module-path entrypoint."""
    module, attr = api["entrypoint"].split(":")
    lines = [HEADER,
             "# mod_wsgi entry for %s: mod_wsgi needs a script file, so this one imports\n" % api["name"],
             "# the module-path entrypoint %s (no script from the package is used).\n" % api["entrypoint"],
             "import importlib\n", "import os\n", "\n"]
    lines += ["os.environ.setdefault(%s, %s)\n" % (json.dumps(key), json.dumps(value))
              for key, value in (svc.get("config_env") or {}).items()]
    lines += ["_target = importlib.import_module(%s)\n" % json.dumps(module),
              "for _name in %s:\n" % json.dumps(attr.split(".")),
              "    _target = getattr(_target, _name)\n",
              "application = _target\n"]
    return "".join(lines)


def unix_http_route(api, socket, comments, directive):
    """Apache's route of an API that speaks HTTP on a unix socket (uWSGI's http-socket,
    gunicorn) behind mod_proxy_http: request bodies streamed chunked, the mode's own directive
    for the prefix, and a new backend connection per request (uWSGI's http-socket closes the
    connection after each answer without saying so: a connection Apache kept for the next
    request would be dead; gunicorn runs without keep-alive)."""
    name, prefix = api["name"], api["prefix"]
    return list(comments) + [
        "<Location \"%s\">\n" % prefix, "    SetEnv proxy-sendchunked 1\n", "    %s\n" % directive, "</Location>\n",
        "ProxyPass \"%s\" \"unix:%s|http://%s%s\" retry=0 acquire=1 disablereuse=On\n" % (prefix, socket, name, prefix)]


def apache_service_text(svc):
    """The service's routes in Apache (one file per service, included by the virtual host)."""
    lines = [HEADER, "# %s: mode %s\n" % (svc["name"], svc["mode"])]
    for api in svc["apis"]:
        name, prefix = api["name"], api["prefix"]
        lines.append("\n# %s (%s) at %s\n" % (name, api["entrypoint"], prefix))
        if svc["mode"] == "uwsgi" and svc["uwsgi_http_socket"]:
            lines += unix_http_route(api, socket_path(api), [
                "# uWSGI http-socket: request bodies are streamed chunked, uWSGI mounts the app at the prefix.\n",
                "# Apache answers \"Expect: 100-continue\" itself: uWSGI's http-socket never sends the\n",
                "# interim 100, so a forwarded expectation would stall the upload until it times out.\n"],
                "Proxy100Continue Off")
        elif svc["mode"] == "gunicorn":
            lines += unix_http_route(api, gunicorn_socket_path(api), [
                "# gunicorn on its unix socket (SCRIPT_NAME = the prefix): request bodies streamed chunked,\n",
                "# the client's Host kept for the links the API writes, a new connection per request.\n"],
                "ProxyPreserveHost On")
        elif svc["mode"] == "uwsgi":
            lines.append("ProxyPass \"%s\" \"unix:%s|uwsgi://%s/\" retry=0 acquire=1\n" % (prefix, socket_path(api), name))
        elif svc["mode"] == "mod_wsgi":
            timeout = int(api.get("request_timeout") or 0)
            lines += [
                "WSGIDaemonProcess %s processes=%s threads=%s user=%s group=%s display-name=%%{GROUP} python-home=%s%s\n"
                % (name, svc["processes"], svc["threads"], svc["user"], svc["group"], svc["venv"],
                   " request-timeout=%s" % timeout if timeout else ""),
                "WSGIScriptAlias \"%s\" \"%s/wsgi/%s.wsgi\" process-group=%s application-group=%%{GLOBAL}\n"
                % (prefix, svc["venv"], name, name),
                "<Location \"%s\">\n" % prefix, "    WSGIProcessGroup %s\n" % name,
                "    WSGIApplicationGroup %{GLOBAL}\n", "    WSGIPassAuthorization On\n",
                # request bodies sent chunked (glanceclient's and nova's image uploads): mod_wsgi
                # answers 411 to them unless told otherwise
                "    WSGIChunkedRequest On\n", "</Location>\n"]
        else:
            backend = "http://%s" % hostport(svc["standalone_address"], api["port"])
            lines += ["ProxyPass \"%s\" \"%s\" retry=0\n" % (prefix, backend),
                      "ProxyPassReverse \"%s\" \"%s\"\n" % (prefix, backend)]
        if "request_body_limit" in api:
            # Apache's own default since 2.4.54 is 1 GiB (413 above it); 0: the service enforces its own
            lines += ["<Location \"%s\">\n" % prefix, "    LimitRequestBody %s\n" % api["request_body_limit"],
                      "</Location>\n"]
    if svc["mode"] == "mod_wsgi":
        lines += ["\n", "<Directory \"%s/wsgi\">\n" % svc["venv"], "    Require all granted\n", "</Directory>\n"]
    return "".join(lines)


def ports_text(host):
    return (HEADER + "# Apache listens only where osapi.wsgi serves the APIs (osapi_wsgi_listen_address/_http_port).\n"
            "Listen %s\n" % hostport(host["listen_address"], host["http_port"]))


def vhost_text(host):
    """The one virtual host of osapi.wsgi: every service's routes are included in it."""
    address = host["listen_address"]
    listen = "*:%s" % host["http_port"] if str(address) in WILDCARDS else hostport(address, host["http_port"])
    proxies = [str(address) for address in host.get("trusted_proxies") or []]
    # behind HAProxy: the client's address from X-Forwarded-For, believed from these proxies
    # only, in the log (%a) and for the APIs (REMOTE_ADDR)
    log_format = ("\"%a %l %u %t \\\"%r\\\" %>s %O \\\"%{Referer}i\\\" \\\"%{User-Agent}i\\\"\""
                  if proxies else "combined")
    lines = [HEADER, "<VirtualHost %s>\n" % listen, "    ServerName %s\n" % host["server_name"],
             "    ErrorLog ${APACHE_LOG_DIR}/osapi-wsgi_error.log\n",
             "    CustomLog ${APACHE_LOG_DIR}/osapi-wsgi_access.log %s\n" % log_format,
             "    AllowEncodedSlashes NoDecode\n"]
    if proxies:
        lines += ["    RemoteIPHeader X-Forwarded-For\n", "    RemoteIPInternalProxy %s\n" % " ".join(proxies)]
    if host.get("tls_enabled"):
        lines += ["    SSLEngine on\n", "    SSLCertificateFile %s/osapi-wsgi.crt\n" % host["tls_dir"],
                  "    SSLCertificateKeyFile %s/osapi-wsgi.key\n" % host["tls_dir"],
                  "    SSLProtocol -all +TLSv1.2 +TLSv1.3\n",
                  "    # mod_wsgi and mod_proxy_uwsgi pass HTTPS=on to the app; the proxied backends\n",
                  "    # (standalone servers, uWSGI http-socket) learn the scheme from this header.\n",
                  "    RequestHeader set X-Forwarded-Proto \"https\"\n"]
    lines += ["    %s\n" % line for line in host.get("apache_extra_config") or []]
    lines += ["    # One file per service, written by that service's role.\n",
              "    IncludeOptional %s/osapi-wsgi/*.conf\n" % host["apache_dir"], "</VirtualHost>\n"]
    return "".join(lines)


SECURITY_TEXT = (
    HEADER + "# osapi.wsgi: what Apache tells clients about itself. Named zz-* so that it is read after\n"
    "# Debian's security.conf (ServerTokens OS, ServerSignature On): the last one wins.\n"
    "ServerTokens Prod\nServerSignature Off\nTraceEnable Off\n")


def entry(path, content=None, owner="root", group="root", mode="0644", **more):
    """One file of a service (osapi.wsgi.service_files's entries)."""
    out = {"path": path, "state": "file", "owner": owner, "group": group, "mode": mode}
    if content is not None:
        out["content"] = content
    out.update(more)
    return out


def directory(path, owner="root", group="root", mode="0755"):
    return {"path": path, "state": "directory", "owner": owner, "group": group, "mode": mode}


def config_path(svc):
    return "%s/%s" % (svc["etc_dir"], svc["config_file"])


def extra_config_dirs(svc):
    out = []
    for name in svc.get("extra_config_files") or {}:
        parent = name.rsplit("/", 1)[0] if "/" in name else ""
        if parent and parent not in out:
            out.append(parent)
    return out


def configure_entries(svc, host):
    """What is written before the setup commands run (they and the entrypoint check read
    it): the directories, the service's config files, the files copied from the venv, the
    log file, and the TLS pair."""
    group, etc = svc["group"], svc["etc_dir"]
    out = [directory(etc, "root", group, "0750"), directory(svc["lib_dir"], svc["user"], group, "0750"),
           directory(svc["log_dir"], svc["user"], group, "0750"),
           entry(config_path(svc), ini_text(svc["config"]), "root", group, "0640", app=True)]
    out += [directory("%s/%s" % (etc, name), "root", group, "0750") for name in extra_config_dirs(svc)]
    out += [entry("%s/%s" % (etc, name), ini_text(sections), "root", group, "0640", app=True)
            for name, sections in (svc.get("extra_config_files") or {}).items()]
    out += [entry(item["dest"], None, "root", group, "0640", src="%s/%s" % (svc["venv"], item["src"]), app=True)
            for item in svc.get("venv_files") or []]
    log_file = ((svc["config"].get("DEFAULT") or {}).get("log_file") or "")
    if log_file:
        # setup commands that run as root would otherwise create it root-owned
        out.append({"path": log_file, "state": "touch", "owner": svc["user"], "group": group, "mode": "0640"})
    if svc.get("primary_dirs"):
        out += [directory(SYNC_DIRS_PATH.rsplit("/", 1)[0]), entry(SYNC_DIRS_PATH, SYNC_DIRS_TEXT, mode="0644")]
    if host.get("memcached_tls") and host.get("tls_enabled"):
        # what the service presents to memcached (cloud.py, memcache_tls): the node's pair
        client = osapi_cloud.memcache_client_files(svc["name"])
        out += [directory(osapi_cloud.MEMCACHE_CLIENT_DIR.rsplit("/", 1)[0]), directory(osapi_cloud.MEMCACHE_CLIENT_DIR),
                entry(client["certfile"], host["tls_certificate"].strip() + "\n", app=True),
                entry(client["keyfile"], host["tls_private_key"].strip() + "\n", "root", group, "0640", app=True,
                      secret=True)]
    if host.get("tls_enabled"):
        out += [directory(host["tls_dir"], mode="0700"),
                entry("%s/osapi-wsgi.crt" % host["tls_dir"], host["tls_certificate"].strip() + "\n", apache=True),
                entry("%s/osapi-wsgi.key" % host["tls_dir"], host["tls_private_key"].strip() + "\n", mode="0600",
                      apache=True, secret=True)]
    return out


def serve_entries(svc, host):
    """What is written after the entrypoint check: each API's uWSGI ini and unit (uwsgi),
    gunicorn.conf.py and unit (gunicorn), unit (eventlet) or mod_wsgi script, and Apache's files."""
    out = []
    if svc["mode"] in CHAIN_RELOAD_MODES:
        out += [directory("%s/%s" % (svc["etc_dir"], svc["mode"]), "root", svc["group"], "0750"),
                directory(CHAIN_RELOAD_PATH.rsplit("/", 1)[0]),
                entry(CHAIN_RELOAD_PATH, CHAIN_RELOAD_TEXT, mode="0755")]
    if svc["mode"] == "mod_wsgi":
        out += [directory("%s/wsgi" % svc["venv"]), directory(MOD_WSGI_RESTART_PATH.rsplit("/", 1)[0]),
                entry(MOD_WSGI_RESTART_PATH, MOD_WSGI_RESTART_TEXT, mode="0755")]
    for api in svc["apis"]:
        if svc["mode"] == "uwsgi":
            out.append(entry("%s/uwsgi/%s.ini" % (svc["etc_dir"], api["name"]),
                             ini_text({"uwsgi": uwsgi_options(svc, api, host)}), "root", svc["group"], "0640",
                             unit=api["name"]))
        if svc["mode"] == "gunicorn":
            out.append(entry(gunicorn_conf_path(svc, api), gunicorn_conf_text(svc, api, host), "root", svc["group"],
                             "0640", unit=api["name"]))
        if svc["mode"] in UNIT_MODES:
            out.append(entry("%s/%s.service" % (UNIT_DIR, api["name"]), unit_text(svc, api, host), unit=api["name"]))
        else:
            out.append(entry("%s/wsgi/%s.wsgi" % (svc["venv"], api["name"]), wsgi_script_text(svc, api), app=True))
    apache = host["apache_dir"]
    out.append(entry("%s/conf-available/zz-osapi-wsgi-security.conf" % apache, SECURITY_TEXT, apache=True))
    if host.get("apache_manage_ports", True):
        out += [entry("%s/ports.conf" % apache, ports_text(host), apache=True),
                {"path": "%s/sites-enabled/000-default.conf" % apache, "state": "absent", "apache": True}]
    out += [directory("%s/osapi-wsgi" % apache),
            entry("%s/sites-available/osapi-wsgi.conf" % apache, vhost_text(host), apache=True),
            {"path": "%s/sites-enabled/osapi-wsgi.conf" % apache, "state": "link",
             "src": "../sites-available/osapi-wsgi.conf", "apache": True},
            entry("%s/osapi-wsgi/%s.conf" % (apache, svc["name"]), apache_service_text(svc), apache=True)]
    return out


def other_mode_paths(svc):
    """Files the other modes leave for each API: removed once the current mode answers."""
    out = []
    for api in svc["apis"]:
        if svc["mode"] == "mod_wsgi":
            out.append("%s/%s.service" % (UNIT_DIR, api["name"]))
        if svc["mode"] != "uwsgi":
            out.append("%s/uwsgi/%s.ini" % (svc["etc_dir"], api["name"]))
        if svc["mode"] != "gunicorn":
            out.append(gunicorn_conf_path(svc, api))
        if svc["mode"] != "mod_wsgi":
            out.append("%s/wsgi/%s.wsgi" % (svc["venv"], api["name"]))
    return out


def apache_modules(svc, host):
    """The Apache modules the mode (and TLS) needs."""
    return list((host.get("apache_modules") or {}).get(svc["mode"], [])) + (
        list(host.get("apache_tls_modules") or []) if host.get("tls_enabled") else []) + (
        ["remoteip"] if host.get("trusted_proxies") else [])


def service_files(svc, host):
    """Everything the engine writes for one service and what it checks on the host first.

    svc: the resolved service (engine.resolve_service, with config_env). host: the
    host-wide settings and platform values: apache_dir, apache_group, uwsgi_binary,
    tls_dir, listen_address, http_port, server_name, tls_enabled, tls_certificate,
    tls_private_key, apache_extra_config, apache_manage_ports, apache_server_status,
    apache_modules, apache_tls_modules, uwsgi_base, uwsgi_http_tunables, uwsgi_options.

    Returns {configure, serve: entries of osapi.wsgi.service_files; units: the APIs'
    unit names (uwsgi, gunicorn and eventlet modes); other_modes: paths of the other modes;
    config_checksum: SHA-1 of the service's config file; probe: the paths whose existence
    decides what runs (other modes' files, the Apache modules and hardening enabled);
    snapshot_paths: what a failed deploy puts back}.
    """
    apache = host["apache_dir"]
    configure = configure_entries(svc, host)
    modules = apache_modules(svc, host)
    enabled = ["%s/mods-enabled/%s.load" % (apache, mod) for mod in modules] + [
        "%s/conf-enabled/zz-osapi-wsgi-security.conf" % apache]
    status = "%s/mods-enabled/status.load" % apache
    others = other_mode_paths(svc)
    config = [item for item in configure if item["path"] == config_path(svc)][0]
    return {
        "configure": configure,
        "serve": serve_entries(svc, host),
        "units": [api["name"] for api in svc["apis"]] if svc["mode"] in UNIT_MODES else [],
        "other_modes": others,
        "apache_service": host.get("apache_service", "apache2"),
        "apache_modules": modules,
        "apache_enabled": enabled,
        "apache_status": status,
        "server_status": bool(host.get("apache_server_status")),
        "config_checksum": checksum(config["content"]),
        "probe": others + enabled + [status],
        # what a failed deploy puts back (snapshot before the first change, rollback)
        "snapshot_paths": [svc["etc_dir"], apache, "%s/wsgi" % svc["venv"]] + [
            "%s/%s.service" % (UNIT_DIR, api["name"]) for api in svc["apis"]],
    }
