"""Exactly one serving path per API, the one of its current mode (OSAPI_TEST_MODES or the inventory):
its unit, uWSGI ini, gunicorn.conf.py or mod_wsgi script, Apache routes and processes, and nothing
of the other modes."""
import re


def test_only_the_current_mode_is_installed_configured_and_running(nodes, deployed_api):
    node, api, mode = nodes[deployed_api.host], deployed_api.api, deployed_api.mode
    routes = node.file(f"/etc/apache2/osapi-wsgi/{deployed_api.service}.conf").content_string
    procs = "\n".join(node.processes())
    found = {
        "unit": node.file(f"/etc/systemd/system/{api}.service").exists,
        "ini": node.file(f"/etc/{deployed_api.user}/uwsgi/{api}.ini").exists,
        "script": node.file(f"/opt/openstack/{deployed_api.service}/wsgi/{api}.wsgi").exists,
        "gunicorn.conf.py": node.file(f"/etc/{deployed_api.user}/gunicorn/{api}.conf.py").exists,
        "WSGIDaemonProcess route": f"WSGIDaemonProcess {api} " in routes,
        # uwsgi protocol, or HTTP on uWSGI's own socket (an API on an http-socket: glance)
        "uWSGI route": f"|uwsgi://{api}" in routes or f"/run/{api}/{api}.sock|http://{api}" in routes,
        "gunicorn socket route": f"/run/{api}/gunicorn.sock|http://{api}" in routes,
        "http:// route": bool(re.search(r'ProxyPass "/[a-z]+" "http://', routes)),
        "uWSGI processes": f"{api} uWSGI" in procs,
        # gunicorn's proc_name through setproctitle
        "gunicorn processes": f"gunicorn: master [{api}]" in procs and f"gunicorn: worker [{api}]" in procs,
        "mod_wsgi daemons": bool(deployed_api.daemon_name.search(procs)),
        "standalone server": f"bin/{api} " in procs,
    }
    expected = {
        "unit": mode in ("uwsgi", "gunicorn", "eventlet"),
        "ini": mode == "uwsgi",
        "script": mode == "mod_wsgi",
        "gunicorn.conf.py": mode == "gunicorn",
        "WSGIDaemonProcess route": mode == "mod_wsgi",
        "uWSGI route": mode == "uwsgi",
        "gunicorn socket route": mode == "gunicorn",
        "http:// route": mode == "eventlet",
        "uWSGI processes": mode == "uwsgi",
        "gunicorn processes": mode == "gunicorn",
        "mod_wsgi daemons": mode == "mod_wsgi",
        "standalone server": mode == "eventlet",
    }
    assert found == expected, f"mode {mode}; routes:\n{routes}"


def test_unit_of_a_uwsgi_gunicorn_or_eventlet_api_is_active_and_enabled(nodes, deployed_api):
    if deployed_api.mode == "mod_wsgi":
        return
    unit = nodes[deployed_api.host].unit(f"{deployed_api.api}.service")
    assert (unit["ActiveState"], unit["UnitFileState"], unit["Type"]) == (
        "active", "enabled", "notify" if deployed_api.mode in ("uwsgi", "gunicorn") else "simple")
