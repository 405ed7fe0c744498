"""What a service's files say and what a deploy does with them (plugins/plugin_utils/files.py):
the texts (one rule for addresses, IPv6 in brackets), the setup commands' plan, the serve plan."""
from __future__ import annotations

import hashlib
import pathlib

import pytest
import yaml

from ansible_collections.osapi.wsgi.plugins.plugin_utils import catalog as osapi_catalog
from ansible_collections.osapi.wsgi.plugins.plugin_utils import engine
from ansible_collections.osapi.wsgi.plugins.plugin_utils import files
from ansible_collections.osapi.wsgi.plugins.plugin_utils import plan as plan_of

REPO = pathlib.Path(__file__).resolve().parents[4]
CATALOG = osapi_catalog.load()
ROLE_VARS = yaml.safe_load((REPO / "roles" / "osapi_wsgi" / "vars" / "main.yml").read_text())
PLATFORM = yaml.safe_load((REPO / "roles" / "osapi_wsgi" / "vars" / "Debian.yml").read_text())


def host(**overrides):
    """The host-wide values as roles/osapi_wsgi/vars/main.yml's __osapi_wsgi_host gives them."""
    values = {
        "apache_dir": PLATFORM["__osapi_wsgi_apache_dir"], "apache_group": PLATFORM["__osapi_wsgi_apache_group"],
        "apache_service": PLATFORM["__osapi_wsgi_apache_service"],
        "apache_modules": PLATFORM["__osapi_wsgi_apache_modules"],
        "apache_tls_modules": PLATFORM["__osapi_wsgi_apache_tls_modules"],
        "apache_manage_ports": True, "apache_extra_config": [], "apache_server_status": False,
        "uwsgi_binary": PLATFORM["__osapi_wsgi_uwsgi_binary"], "uwsgi_base": ROLE_VARS["__osapi_wsgi_uwsgi_base"],
        "uwsgi_http_tunables": ROLE_VARS["__osapi_wsgi_uwsgi_http_tunables"], "uwsgi_options": {},
        "listen_address": "127.0.0.32", "http_port": 80, "server_name": "api1", "tls_enabled": False,
        "tls_dir": PLATFORM["__osapi_wsgi_tls_dir"], "tls_certificate": "", "tls_private_key": ""}
    values.update(overrides)
    return values


def service(name="keystone", mode="uwsgi", connect="127.0.0.32", **settings):
    base = {"wsgi_mode": mode, "wsgi_processes": 2, "wsgi_threads": 1, "version": "",
            "config": {"DEFAULT": {"debug": True}}}
    base.update(settings)
    return engine.resolve_service(CATALOG[name], name, base, "/opt/openstack", connect, inventory_hostname="api1")


def by_path(entries):
    return {item["path"]: item for item in entries}


def test_ini_text_as_the_template_wrote_it():
    text = files.ini_text({"DEFAULT": {"debug": True, "verbose": False, "repeat": [1, "two"], "empty": None},
                           "database": {"connection": "mysql+pymysql://db/keystone"}})
    assert text == ("#\n# Ansible managed\n#\n\n[DEFAULT]\ndebug = true\nverbose = false\nrepeat = 1\nrepeat = two\n"
                    "empty = \n\n[database]\nconnection = mysql+pymysql://db/keystone\n")
    with pytest.raises(engine.EngineError, match="mapping of sections"):
        files.ini_text(["not", "sections"])


def test_uwsgi_service_files():
    svc = service(uwsgi_overrides={"buffer-size": 32768})
    out = files.service_files(svc, host(uwsgi_options={"harakiri": 60}))
    configure, serve = by_path(out["configure"]), by_path(out["serve"])
    config = configure["/etc/keystone/keystone.conf"]
    assert (config["owner"], config["group"], config["mode"], config["app"]) == ("root", "keystone", "0640", True)
    assert out["config_checksum"] == hashlib.sha1(config["content"].encode()).hexdigest()
    assert configure["/var/lib/keystone"]["owner"] == "keystone"
    assert configure["/var/log/keystone/keystone.log"]["state"] == "touch"
    ini = serve["/etc/keystone/uwsgi/keystone-api.ini"]["content"]
    assert "socket = /run/keystone-api/keystone-api.sock\nmodule = keystone.wsgi.api:application\n" in ini
    # the engine's base, then osapi_wsgi_uwsgi_options, then the service's overrides
    assert "buffer-size = 32768\n" in ini and "harakiri = 60\n" in ini and "processes = 2\n" in ini
    assert "chown-socket = keystone:www-data\n" in ini and "disable-logging = true\n" in ini
    unit = serve["/etc/systemd/system/keystone-api.service"]
    assert unit["unit"] == "keystone-api" and "Type=notify\n" in unit["content"]
    assert "ExecStart=/usr/bin/uwsgi-core --ini /etc/keystone/uwsgi/keystone-api.ini\n" in unit["content"]
    assert "Environment=OS_KEYSTONE_CONFIG_DIR=/etc/keystone\n" in unit["content"]
    routes = serve["/etc/apache2/osapi-wsgi/keystone.conf"]["content"]
    assert ('ProxyPass "/identity" "unix:/run/keystone-api/keystone-api.sock|uwsgi://keystone-api/" retry=0 acquire=1\n'
            in routes)
    assert serve["/etc/apache2/sites-enabled/000-default.conf"]["state"] == "absent"
    assert serve["/etc/apache2/sites-enabled/osapi-wsgi.conf"]["src"] == "../sites-available/osapi-wsgi.conf"
    assert out["units"] == ["keystone-api"]
    assert out["other_modes"] == ["/etc/keystone/gunicorn/keystone-api.conf.py",
                                  "/opt/openstack/keystone/wsgi/keystone-api.wsgi"]
    assert out["apache_modules"] == ["proxy", "proxy_uwsgi", "proxy_http"]
    assert "/etc/systemd/system/keystone-api.service" in out["snapshot_paths"]
    assert "/etc/apache2" in out["snapshot_paths"] and "/etc/keystone" in out["snapshot_paths"]


def test_gunicorn_service_files():
    svc = service(mode="gunicorn", wsgi_threads=2)
    out = files.service_files(svc, host(gunicorn_options={"timeout": 120, "max_requests": 500}))
    serve = by_path(out["serve"])
    conf = serve["/etc/keystone/gunicorn/keystone-api.conf.py"]
    assert (conf["owner"], conf["group"], conf["mode"], conf["unit"]) == ("root", "keystone", "0640", "keystone-api")
    # a Python file gunicorn can read: the engine's settings, the service's workers and
    # threads, osapi_wsgi_gunicorn_options over the engine's base
    settings = {}
    exec(compile(conf["content"], "gunicorn.conf.py", "exec"), settings)  # pylint: disable=exec-used
    assert settings["wsgi_app"] == "keystone.wsgi.api:application"
    assert settings["bind"] == ["unix:/run/keystone-api/gunicorn.sock"] and settings["umask"] == 0o117
    assert settings["raw_env"] == ["SCRIPT_NAME=/identity"] and settings["proc_name"] == "keystone-api"
    assert (settings["workers"], settings["threads"], settings["worker_class"]) == (2, 2, "gthread")
    # a worker accepts only when a thread is free: the idle worker takes the next connection
    assert (settings["worker_connections"], settings["keepalive"]) == (2, 0)
    assert (settings["timeout"], settings["max_requests"], settings["max_requests_jitter"]) == (120, 500, 50000)
    assert settings["accesslog"] is None and callable(settings["when_ready"])
    assert "grp.getgrnam('www-data')" in conf["content"]
    unit = serve["/etc/systemd/system/keystone-api.service"]["content"]
    # no command-line arguments: keystone's config loader parses sys.argv
    assert "ExecStart=/opt/openstack/keystone/bin/python3 -m gunicorn\n" in unit
    assert "Environment=GUNICORN_CMD_ARGS=--config=/etc/keystone/gunicorn/keystone-api.conf.py\n" in unit
    assert "Type=notify\n" in unit and "SupplementaryGroups=www-data\n" in unit and "RuntimeDirectory=keystone-api\n" in unit
    assert "ExecReload=%s $MAINPID gunicorn:/run/keystone-api\n" % files.CHAIN_RELOAD_PATH in unit
    # each worker marks itself ready once its application is loaded (the chain reload waits for it)
    assert callable(settings["post_worker_init"]) and callable(settings["worker_exit"])
    assert "'/run/keystone-api/worker.%s.ready' % worker.pid" in conf["content"]
    assert serve[files.CHAIN_RELOAD_PATH]["mode"] == "0755"
    routes = serve["/etc/apache2/osapi-wsgi/keystone.conf"]["content"]
    assert ('ProxyPass "/identity" "unix:/run/keystone-api/gunicorn.sock|http://keystone-api/identity" retry=0 acquire=1'
            ' disablereuse=On\n' in routes)
    assert "ProxyPreserveHost On" in routes and "SetEnv proxy-sendchunked 1" in routes
    assert out["units"] == ["keystone-api"] and out["apache_modules"] == ["proxy", "proxy_http"]
    assert out["other_modes"] == ["/etc/keystone/uwsgi/keystone-api.ini", "/opt/openstack/keystone/wsgi/keystone-api.wsgi"]
    # a new application in a running gunicorn: a chain reload (its ExecReload); its own files
    # changed: a restart
    probe = settled(out)
    assert plan_of.serve_plan(svc, out, ["/etc/keystone/keystone.conf"], False, probe)["units"] == [
        {"name": "keystone-api", "state": "reloaded", "enabled": True}]
    assert plan_of.serve_plan(svc, out, ["/etc/keystone/gunicorn/keystone-api.conf.py"], False, probe)["units"] == [
        {"name": "keystone-api", "state": "restarted", "enabled": True}]


def test_uwsgi_http_socket_mounts_the_app_and_apache_streams_chunked():
    svc = service("glance", uwsgi_http_socket=True)
    serve = by_path(files.service_files(svc, host())["serve"])
    ini = serve["/etc/glance/uwsgi/glance-api.ini"]["content"]
    assert "http-socket = /run/glance-api/glance-api.sock\nmount = /image=glance.wsgi.api:application\n" in ini
    assert "http-chunked-input = true\n" in ini and "\nsocket = " not in ini
    routes = serve["/etc/apache2/osapi-wsgi/glance.conf"]["content"]
    assert "SetEnv proxy-sendchunked 1" in routes and "disablereuse=On" in routes


@pytest.mark.parametrize("address,port,listen,vhost", [
    ("127.0.0.32", 80, "Listen 127.0.0.32:80\n", "<VirtualHost 127.0.0.32:80>\n"),
    ("::1", 8016, "Listen [::1]:8016\n", "<VirtualHost [::1]:8016>\n"),
    ("2001:db8::5", 443, "Listen [2001:db8::5]:443\n", "<VirtualHost [2001:db8::5]:443>\n"),
    ("0.0.0.0", 80, "Listen 0.0.0.0:80\n", "<VirtualHost *:80>\n"),
    ("::", 8080, "Listen [::]:8080\n", "<VirtualHost *:8080>\n"),
])
def test_apache_addresses_from_the_one_rule(address, port, listen, vhost):
    serve = by_path(files.service_files(service(), host(listen_address=address, http_port=port))["serve"])
    assert serve["/etc/apache2/ports.conf"]["content"].endswith(listen)
    assert vhost in serve["/etc/apache2/sites-available/osapi-wsgi.conf"]["content"]


def test_behind_haproxy_apache_logs_the_client_from_x_forwarded_for():
    plain = files.service_files(service(), host())
    vhost = by_path(plain["serve"])["/etc/apache2/sites-available/osapi-wsgi.conf"]["content"]
    assert "osapi-wsgi_access.log combined\n" in vhost and "RemoteIP" not in vhost
    assert "remoteip" not in plain["apache_modules"]
    proxied = files.service_files(service(), host(trusted_proxies=["10.0.0.5", "10.0.0.6"]))
    vhost = by_path(proxied["serve"])["/etc/apache2/sites-available/osapi-wsgi.conf"]["content"]
    assert "    RemoteIPHeader X-Forwarded-For\n    RemoteIPInternalProxy 10.0.0.5 10.0.0.6\n" in vhost
    assert 'osapi-wsgi_access.log "%a %l %u %t' in vhost
    assert proxied["apache_modules"][-1] == "remoteip"


def test_eventlet_backend_over_ipv6():
    svc = service("cinder", "eventlet", connect="::1")
    out = files.service_files(svc, host(listen_address="::1", http_port=8016))
    serve = by_path(out["serve"])
    routes = serve["/etc/apache2/osapi-wsgi/cinder.conf"]["content"]
    assert 'ProxyPass "/volume" "http://[::1]:8776" retry=0\n' in routes
    assert 'ProxyPassReverse "/volume" "http://[::1]:8776"\n' in routes
    unit = serve["/etc/systemd/system/cinder-api.service"]["content"]
    assert "Type=simple\n" in unit and "ExecStart=/opt/openstack/cinder/bin/cinder-api --config-file /etc/cinder/cinder.conf\n" in unit
    assert svc["config"]["DEFAULT"]["osapi_volume_listen"] == "::1"
    assert "/etc/cinder/uwsgi/cinder-api.ini" in out["other_modes"]
    assert out["apache_modules"] == ["proxy", "proxy_http"]


def test_mod_wsgi_script_and_daemon():
    tls = host(tls_enabled=True, tls_certificate="C\n", tls_private_key="K")
    out = files.service_files(service("keystone", "mod_wsgi"), tls)
    serve, configure = by_path(out["serve"]), by_path(out["configure"])
    script = serve["/opt/openstack/keystone/wsgi/keystone-api.wsgi"]
    assert script["app"] and 'import_module("keystone.wsgi.api")' in script["content"]
    assert 'os.environ.setdefault("OS_KEYSTONE_CONFIG_DIR", "/etc/keystone")' in script["content"]
    routes = serve["/etc/apache2/osapi-wsgi/keystone.conf"]["content"]
    assert "WSGIDaemonProcess keystone-api processes=2 threads=1 user=keystone group=keystone" in routes
    # chunked request bodies reach the application (mod_wsgi answers 411 to them by default)
    assert "    WSGIChunkedRequest On\n" in routes
    assert "<Directory \"/opt/openstack/keystone/wsgi\">" in routes
    assert out["units"] == [] and "/etc/systemd/system/keystone-api.service" in out["other_modes"]
    key = configure["/etc/apache2/osapi-wsgi-tls/osapi-wsgi.key"]
    assert (key["content"], key["mode"], key["secret"], key["apache"]) == ("K\n", "0600", True, True)
    assert "SSLEngine on" in serve["/etc/apache2/sites-available/osapi-wsgi.conf"]["content"]
    assert out["apache_modules"] == ["wsgi", "ssl", "headers"]


def test_extra_config_files_and_venv_files():
    svc = service(extra_config_files={"policy.d/extra.conf": {"a": {"b": 1}}, "other.conf": {}},
                  venv_files=[{"src": "etc/keystone/api-paste.ini", "dest": "/etc/keystone/api-paste.ini"}])
    configure = files.service_files(svc, host())["configure"]
    paths = [item["path"] for item in configure]
    assert paths.index("/etc/keystone/policy.d") < paths.index("/etc/keystone/policy.d/extra.conf")
    copied = by_path(configure)["/etc/keystone/api-paste.ini"]
    assert copied["src"] == "/opt/openstack/keystone/etc/keystone/api-paste.ini" and "content" not in copied


def test_command_plan():
    svc = service(commands=[
        {"name": "keys", "argv": ["keystone-manage", "fernet_setup"], "user": "root",
         "creates": "/etc/keystone/fernet-keys/0", "primary_only": True},
        {"name": "db_sync", "argv": ["keystone-manage", "db_sync"], "primary_only": True},
        {"name": "tool", "argv": ["/usr/bin/env", "X"], "environment": {"SECRET": "s"}, "no_log": True}])
    svc["config_env"] = {"OS_KEYSTONE_CONFIG_DIR": "/etc/keystone"}
    plan = plan_of.command_plan(svc, "abc", True, app_changed=True)
    keys, sync, tool = plan
    assert keys["argv"] == ["/opt/openstack/keystone/bin/keystone-manage", "fernet_setup"]
    assert (keys["creates"], keys["stamp"], keys["force"], keys["user"]) == (
        "/etc/keystone/fernet-keys/0", False, False, "root")
    # the stamp's name as the Jinja of earlier releases made it: sha256 of the command line and the config's sha1
    digest = hashlib.sha256("keystone-manage db_syncabc".encode()).hexdigest()[:16]
    assert sync["creates"] == "/var/lib/keystone/.osapi/db_sync." + digest
    assert (sync["stamp"], sync["force"], sync["user"]) == (True, True, "keystone")
    assert tool["environment"] == {"OS_KEYSTONE_CONFIG_DIR": "/etc/keystone", "SECRET": "s"} and tool["no_log"]
    assert [cmd["name"] for cmd in plan_of.command_plan(svc, "abc", False)] == ["tool"]
    assert plan_of.command_plan(svc, "other", True)[1]["creates"] != sync["creates"]


def settled(out):
    """The probe of a host where everything of the service runs."""
    return {"units": {name: {"active": "active", "enabled": "enabled"} for name in out["units"] + ["apache2"]},
            "exists": dict({path: True for path in out["apache_enabled"]}, **{out["apache_status"]: False})}


def test_serve_plan_of_an_unchanged_service_does_nothing():
    svc = service()
    out = files.service_files(svc, host())
    plan = plan_of.serve_plan(svc, out, [], False, settled(out))
    assert plan == {"write": False, "units": [], "daemon_reload": False,
                    "apache": {"needed": False, "reload": False, "modules": False}, "daemon_restarts": [],
                    "check_entrypoints": False, "health_check": False, "cleanup": {"entries": [], "units": []}}


def test_serve_plan_restarts_what_changed_and_checks_first():
    svc = service()
    out = files.service_files(svc, host())
    probe = settled(out)
    plan = plan_of.serve_plan(svc, out, ["/etc/keystone/uwsgi/keystone-api.ini"], False, probe)
    assert plan["write"] and plan["check_entrypoints"] and not plan["daemon_reload"]
    assert plan["units"] == [{"name": "keystone-api", "state": "restarted", "enabled": True}]
    assert not plan["apache"]["needed"] and plan["health_check"]
    # the config (an application input) restarts every unit; a new unit file reloads systemd
    plan = plan_of.serve_plan(svc, out, ["/etc/keystone/keystone.conf", "/etc/systemd/system/keystone-api.service"],
                              False, probe)
    assert plan["units"][0]["state"] == "restarted" and plan["daemon_reload"]
    # a new application (config, code) in a running uWSGI whose own files are unchanged:
    # a chain reload (its ExecReload), no restart; a stopped unit restarts
    plan = plan_of.serve_plan(svc, out, ["/etc/keystone/keystone.conf"], False, probe)
    assert plan["units"] == [{"name": "keystone-api", "state": "reloaded", "enabled": True}]
    assert plan["check_entrypoints"] and plan["health_check"]
    assert plan_of.serve_plan(svc, out, [], True, probe)["units"][0]["state"] == "reloaded"
    # a new venv whose entrypoints loaded before the switch: not checked again, unless the
    # configure step changed a config file since; a changed uWSGI ini alone does not count
    assert not plan_of.serve_plan(svc, out, [], True, probe, checked=True)["check_entrypoints"]
    assert not plan_of.serve_plan(svc, out, ["/etc/keystone/uwsgi/keystone-api.ini"], True, probe,
                                  checked=True)["check_entrypoints"]
    assert plan_of.serve_plan(svc, out, ["/etc/keystone/keystone.conf"], True, probe, checked=True)["check_entrypoints"]
    # a stopped unit is started, and checked first
    probe["units"]["keystone-api"] = {"active": "failed", "enabled": "enabled"}
    plan = plan_of.serve_plan(svc, out, [], False, probe)
    assert plan["units"] == [{"name": "keystone-api", "state": "started", "enabled": True}]
    assert plan["check_entrypoints"] and not plan["write"]


def test_serve_plan_apache():
    svc = service()
    out = files.service_files(svc, host())
    probe = settled(out)
    plan = plan_of.serve_plan(svc, out, ["/etc/apache2/osapi-wsgi/keystone.conf"], False, probe)
    # Apache's routes changed: test and reload (uWSGI keeps running); the entrypoints are
    # checked whenever anything changes
    assert plan["apache"] == {"needed": True, "reload": True, "modules": False}
    assert plan["check_entrypoints"] and plan["write"] and plan["health_check"] and plan["units"] == []
    probe["exists"]["/etc/apache2/mods-enabled/proxy_uwsgi.load"] = False
    assert plan_of.serve_plan(svc, out, [], False, probe)["apache"] == {"needed": True, "reload": True, "modules": True}
    probe = settled(out)
    probe["units"]["apache2"]["active"] = "inactive"
    assert plan_of.serve_plan(svc, out, [], False, probe)["apache"] == {"needed": True, "reload": False,
                                                                        "modules": False}


def test_eventlet_entrypoint_setting_is_checked_though_the_server_does_not_load_it():
    svc = service("cinder", "eventlet", entrypoints={"cinder-api": "cinder.wsgi.gone:application"})
    out = files.service_files(svc, host())
    plan = plan_of.serve_plan(svc, out, ["/etc/apache2/osapi-wsgi/cinder.conf"], False, settled(out))
    assert plan["check_entrypoints"] and plan["units"] == []


def test_serve_plan_mod_wsgi_restarts_the_daemons_one_at_a_time_for_a_new_application():
    svc = service(mode="mod_wsgi")
    out = files.service_files(svc, host())
    assert by_path(out["serve"])[files.MOD_WSGI_RESTART_PATH]["mode"] == "0755"
    probe = settled(out)
    probe["exists"]["/etc/systemd/system/keystone-api.service"] = True
    # a new application (pip, config, the script) under a running Apache whose files are
    # unchanged: each daemon group restarted one process at a time, no Apache reload
    plan = plan_of.serve_plan(svc, out, [], True, probe)
    assert plan["daemon_restarts"] == [[files.MOD_WSGI_RESTART_PATH, "keystone-api", "keystone", "1"]]
    assert not plan["apache"]["needed"] and plan["check_entrypoints"] and plan["health_check"] and plan["units"] == []
    assert plan["cleanup"] == {"entries": [], "units": ["keystone-api"]}
    plan = plan_of.serve_plan(svc, out, ["/opt/openstack/keystone/wsgi/keystone-api.wsgi"], False, settled(out))
    assert plan["daemon_restarts"] and not plan["apache"]["reload"]
    # Apache's files changed too, or Apache is not running: Apache reloads (or starts) instead
    plan = plan_of.serve_plan(svc, out, ["/etc/keystone/keystone.conf", "/etc/apache2/osapi-wsgi/keystone.conf"], False,
                              settled(out))
    assert plan["apache"]["reload"] and plan["daemon_restarts"] == []
    probe = settled(out)
    probe["units"]["apache2"]["active"] = "inactive"
    plan = plan_of.serve_plan(svc, out, [], True, probe)
    assert plan["apache"] == {"needed": True, "reload": True, "modules": False} and plan["daemon_restarts"] == []


def test_serve_plan_removes_the_other_modes_files_found():
    svc = service()
    out = files.service_files(svc, host())
    probe = settled(out)
    probe["exists"]["/opt/openstack/keystone/wsgi/keystone-api.wsgi"] = True
    assert plan_of.serve_plan(svc, out, [], False, probe)["cleanup"] == {
        "entries": [{"path": "/opt/openstack/keystone/wsgi/keystone-api.wsgi", "state": "absent"}], "units": []}


def test_commands_due_from_the_probe():
    planned = [{"name": "keys", "creates": "/k", "force": False}, {"name": "sync", "creates": "/s", "force": False}]
    assert plan_of.commands_due(planned, {"/k": True, "/s": True}) == []
    assert plan_of.commands_due(planned, {"/k": True, "/s": False}) == ["sync"]
    assert plan_of.commands_due(planned, {"/k": True}) == ["sync"]
    assert plan_of.commands_due([dict(planned[1], force=True)], {"/s": True}) == ["sync"]


def test_ports_left_to_the_operator():
    serve = by_path(files.service_files(service(), host(apache_manage_ports=False))["serve"])
    assert "/etc/apache2/ports.conf" not in serve and "/etc/apache2/sites-enabled/000-default.conf" not in serve
    assert "/etc/apache2/sites-available/osapi-wsgi.conf" in serve


def test_uwsgi_units_reload_by_chain_through_the_master_fifo():
    svc = service()
    out = files.service_files(svc, host())
    by_path = {item["path"]: item for item in out["serve"]}
    unit = by_path["/etc/systemd/system/keystone-api.service"]["content"]
    ini = by_path["/etc/keystone/uwsgi/keystone-api.ini"]["content"]
    assert "ExecReload=%s $MAINPID /run/keystone-api/master.fifo\n" % files.CHAIN_RELOAD_PATH in unit
    assert "master-fifo = /run/keystone-api/master.fifo\n" in ini and "lazy-apps = true\n" in ini
    script = by_path[files.CHAIN_RELOAD_PATH]
    assert script["mode"] == "0755" and script["content"].startswith("#!/bin/sh\n")


@pytest.mark.parametrize("mode", ["uwsgi", "gunicorn", "eventlet"])
def test_units_are_sandboxed(mode):
    name = "cinder" if mode == "eventlet" else "keystone"
    svc = service(name, mode)
    unit = by_path(files.service_files(svc, host())["serve"])["/etc/systemd/system/%s-api.service" % name]["content"]
    for line in ("NoNewPrivileges=true\n", "ProtectSystem=strict\n", "PrivateTmp=true\n", "ProtectHome=true\n",
                 "ReadWritePaths=/var/lib/%s /var/log/%s\n" % (name, name)):
        assert line in unit, (mode, line)


def test_request_body_limits_and_timeouts_per_mode():
    # glance: its own image_size_cap (1 TiB, above Apache's largest value: none in Apache) and an hour
    glance = service("glance", "uwsgi", uwsgi_http_socket=True)
    routes = by_path(files.service_files(glance, host())["serve"])["/etc/apache2/osapi-wsgi/glance.conf"]["content"]
    assert '<Location "/image">\n    LimitRequestBody 0\n</Location>\n' in routes
    assert "harakiri = 3600\n" in files.ini_text({"uwsgi": files.uwsgi_options(glance, glance["apis"][0], host())})
    capped = service("glance", "mod_wsgi", config={"DEFAULT": {"image_size_cap": 1073741824}})
    routes = by_path(files.service_files(capped, host())["serve"])["/etc/apache2/osapi-wsgi/glance.conf"]["content"]
    assert "LimitRequestBody 1073741824\n" in routes and " request-timeout=3600\n" in routes
    # the shared defaults elsewhere, <service>_request_timeout over them
    placement = service("placement", "gunicorn", request_timeout=30)
    serve = by_path(files.service_files(placement, host())["serve"])
    assert "LimitRequestBody 104857600\n" in serve["/etc/apache2/osapi-wsgi/placement.conf"]["content"]
    assert files.gunicorn_settings(placement, placement["apis"][0], host())["timeout"] == 30
    keystone = service("keystone", "uwsgi")
    assert files.uwsgi_options(keystone, keystone["apis"][0], host())["harakiri"] == 300
    no_limit = service("keystone", "uwsgi", request_timeout=0, default_request_timeout=300)
    assert "harakiri" not in files.uwsgi_options(no_limit, no_limit["apis"][0], host())


def test_every_task_of_configure_and_serve_names_its_step_for_the_rollback():
    """The rollback's hint follows the step of the task that failed (plan.failed_step, by the
    task's name): every task of those steps is in the table, and every name in it exists."""
    tasks = pathlib.Path(plan_of.__file__).resolve().parents[2] / "roles" / "osapi_wsgi" / "tasks"
    names = set()
    for name in ("configure.yml", "primary_dirs.yml", "entrypoints.yml", "serve.yml"):
        for task in yaml.safe_load((tasks / name).read_text()):
            names.add(task["name"].split(" | ")[0])
    # the tasks after the last check: a failure there leaves the new files running
    after = {"Check the entrypoints in the venv", "Note the venv whose entrypoints loaded", "Plan the serve step",
             "Copy the primary node's shared directories (keys)", "Stop and remove the units of the previous mode",
             "Remove files of the other modes", "Record what the service serves on this host"}
    assert {name for name in names if plan_of.failed_step(name) == "other"} <= after
    assert set(plan_of.FAILED_STEPS) - {"Apache"} <= names
    assert plan_of.failed_step("Apache | Test the whole configuration, then start or reload Apache | keystone") == "apache"
    assert plan_of.failed_step(None) == "other"
