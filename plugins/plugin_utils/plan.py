# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a deploy does with a service's files once it knows what changed (the filters
command_plan, commands_due and serve_plan): which setup commands run, which units start,
restart or chain-reload, whether Apache reloads, what the health check and the cleanup
cover. The files themselves are files.py's; nothing here talks to a host."""

from __future__ import annotations

import hashlib

from ansible_collections.osapi.wsgi.plugins.plugin_utils.files import CHAIN_RELOAD_MODES, MOD_WSGI_RESTART_PATH, UNIT_DIR


def command_plan(svc, config_checksum, is_primary, app_changed=False):
    """The setup commands of a service as osapi.wsgi.setup_commands runs them: the binary
    (a relative argv[0] is the venv's), the user, the environment, and the path whose
    existence means "done" (`creates`, else a stamp named after the command line and the
    config's checksum, so a new config or command line runs the command again).
    Commands marked primary_only are left out on the other nodes."""
    out = []
    for cmd in svc.get("commands") or []:
        if cmd.get("primary_only") and not is_primary:
            continue
        argv = list(cmd["argv"])
        binary = argv[0] if str(argv[0]).startswith("/") else "%s/bin/%s" % (svc["venv"], argv[0])
        key = " ".join(str(arg) for arg in argv) + (config_checksum or "")
        stamp = "%s/.osapi/%s.%s" % (svc["lib_dir"], cmd["name"], hashlib.sha256(key.encode("utf-8")).hexdigest()[:16])
        out.append({
            "name": cmd["name"], "argv": [binary] + [str(arg) for arg in argv[1:]],
            "user": cmd.get("user") or svc["user"],
            "environment": dict(svc.get("config_env") or {}, **(cmd.get("environment") or {})),
            "creates": cmd.get("creates") or stamp, "stamp": not cmd.get("creates"),
            # a new venv runs the commands without `creates` again (db sync after an upgrade)
            "force": bool(app_changed) and not cmd.get("creates"),
            "no_log": bool(cmd.get("no_log", False)),
        })
    return out


def commands_due(commands, exists):
    """The names of the planned setup commands (command_plan) that are due: forced (pip
    changed the venv), or whose `creates` path the host probe did not find."""
    return [cmd["name"] for cmd in commands or [] if cmd.get("force") or not (exists or {}).get(cmd["creates"])]


def serve_plan(svc, files, changed, app_changed, probe, checked=False):
    """What the serve step does, from what changed and what the host probe found.

    changed: paths that the service_files calls changed or would change (configure's
    changed and serve's differ). app_changed: pip or a setup command changed the
    application (a changed config file or mod_wsgi script counts too, found here).
    probe: the service_probe result (units' state, paths). checked: this run already loaded
    the entrypoints in the venv the service now runs, with the config files then on the host
    (install.yml, before the venv switch): the serve step checks again only when the configure
    step changed a file.
    Returns {write: whether the serve files need writing; units: [{name, state,
    enabled}] of the units to start or restart (restart: their unit file, uWSGI ini or the
    application changed); daemon_reload; apache: {needed, reload} (reload: Apache's files
    or its modules changed, or a mod_wsgi application while Apache is not running with its
    files); daemon_restarts: the mod_wsgi daemon groups restarted one process at a time (a
    new mod_wsgi application under a running Apache with unchanged files); check_entrypoints: anything of the
    service changes or (re)starts; health_check: something of the service or Apache
    (re)starts or reloads; cleanup: {entries (absent), units} of the other modes still present}.
    """
    changed = set(changed or [])
    units_state = (probe or {}).get("units") or {}
    exists = (probe or {}).get("exists") or {}
    entries = files["serve"] + files["configure"]
    app_changed = bool(app_changed) or any(item["path"] in changed for item in entries if item.get("app"))
    units = []
    for name in files["units"]:
        inputs = [item["path"] for item in entries if item.get("unit") == name]
        state = units_state.get(name) or {}
        restart = any(path in changed for path in inputs)
        running = state.get("active") == "active" and state.get("enabled") == "enabled"
        if restart or not running or app_changed:
            # a running uWSGI or gunicorn whose own files are unchanged takes a new application
            # (config, code) with a chain reload that keeps warm workers serving; the rest restart
            reload = app_changed and running and not restart and svc["mode"] in CHAIN_RELOAD_MODES
            units.append({"name": name, "enabled": True,
                          "state": "reloaded" if reload else "restarted" if restart or app_changed else "started"})
    apache_changed = any(item["path"] in changed for item in entries if item.get("apache"))
    modules_missing = any(not exists.get(path, False) for path in files["apache_enabled"])
    status_wrong = exists.get(files["apache_status"], False) != bool(files.get("server_status", False))
    apache_state = units_state.get(files["apache_service"]) or {}
    apache_running = apache_state.get("active") == "active" and apache_state.get("enabled") == "enabled"
    # mod_wsgi: a new application while Apache runs with unchanged files restarts the
    # daemons one at a time (MOD_WSGI_RESTART_TEXT); else Apache reloads (all at once)
    apache_files_ok = not (apache_changed or modules_missing or status_wrong)
    daemons = svc["mode"] == "mod_wsgi" and bool(app_changed) and apache_files_ok and apache_running
    reload_needed = not apache_files_ok or (svc["mode"] == "mod_wsgi" and bool(app_changed) and not daemons)
    apache_needed = reload_needed or not apache_running
    others = [path for path in files["other_modes"] if exists.get(path, False)]
    return {
        "write": any(item["path"] in changed for item in files["serve"]),
        "units": units,
        "daemon_reload": any(item["path"] in changed for item in files["serve"] if item["path"].startswith(UNIT_DIR)),
        "apache": {"needed": apache_needed, "reload": reload_needed, "modules": modules_missing or status_wrong},
        # mod_wsgi daemon groups restarted one process at a time: the restart script's argv
        "daemon_restarts": [[MOD_WSGI_RESTART_PATH, api["name"], svc["user"], str(svc["threads"])]
                            for api in svc["apis"]] if daemons else [],
        # anything of the service changes or (re)starts: a bad entrypoint setting is refused
        # even where the mode does not load it (eventlet: it only reaches Apache's routes)
        "check_entrypoints": (bool(changed) or app_changed or bool(units) or apache_needed or daemons)
        and not (checked and not any(item["path"] in changed for item in files["configure"])),
        # the health check follows what this run (re)started or reloaded
        "health_check": bool(units) or apache_needed or daemons,
        "cleanup": {"entries": [{"path": path, "state": "absent"} for path in others if not path.startswith(UNIT_DIR)],
                    "units": [path[len(UNIT_DIR) + 1:-len(".service")] for path in others
                              if path.startswith(UNIT_DIR)]},
    }


# The step each task of a deploy's configure and serve steps belongs to, by the task's name
# (before " | "), for the rollback's hint (roles/osapi_wsgi/tasks/rollback.yml); a unit test
# holds it against the task files. A task not listed is "other".
FAILED_STEPS = {
    "Save the live files and write the service's config": "configure",
    "Run the service's setup commands": "setup_command",
    "Read the primary's shared directories in one go": "primary_dirs",
    "Check that the primary has them": "primary_dirs",
    "Write them on this node, then remove what the primary no longer has": "primary_dirs",
    "Check each entrypoint in the venv before anything (re)starts": "entrypoint",
    "Write the units, uWSGI ini files, mod_wsgi scripts and Apache's files": "serve",
    "Start the APIs' units, restarting those whose files or application changed": "health_check",
    "Apache": "apache",
    "Restart the APIs' mod_wsgi daemon processes one at a time": "health_check",
    "Wait until each API answers through Apache": "health_check",
    "Issue a fresh admin token for the authenticated call": "auth_check",
    "Make one authenticated call per API": "auth_check",
    "Check that every API validated the token": "auth_check",
}


def failed_step(task_name):
    """The step of a failed task (FAILED_STEPS), from its name as Ansible reports it."""
    name = str(task_name or "").split(" | ", maxsplit=1)[0].strip()
    return FAILED_STEPS.get(name, "other")
