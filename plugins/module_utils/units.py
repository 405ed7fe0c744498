# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bring several systemd units to the wanted state in one pass (osapi.wsgi.service_units).

plan() decides, from the units' current state, what systemctl has to do; apply() does it:
units to remove first (stopped, disabled, unit file deleted), then systemd's reload when
unit files changed, then the test command (e.g. Apache's config test) when anything is to
start or reload, then each unit in order: enable, then start, restart or reload.
"""

from __future__ import annotations

import os
import subprocess

from ansible_collections.osapi.wsgi.plugins.module_utils.probe import units_state

UNIT_DIR = "/etc/systemd/system"
STATES = ("started", "restarted", "reloaded", "stopped")


class UnitsError(Exception):
    """A step failed: .result holds what was done so far."""

    def __init__(self, message, result):
        super(UnitsError, self).__init__(message)
        self.result = result


def full(name):
    return name if "." in name else name + ".service"


def plan(units, state):
    """[(unit, action)] for the wanted units ({name, state, enabled}) given their current
    state ({name: {active, enabled}}): enable, start, restart, reload, stop."""
    steps = []
    for unit in units:
        name, wanted = unit["name"], unit.get("state") or "started"
        if wanted not in STATES:
            raise ValueError("%s: state %r is not one of %s" % (name, wanted, ", ".join(STATES)))
        now = state.get(name) or {}
        active = now.get("active") in ("active", "activating", "reloading")
        if unit.get("enabled") is True and now.get("enabled") not in ("enabled", "static", "alias"):
            steps.append((name, "enable"))
        elif unit.get("enabled") is False and now.get("enabled") == "enabled":
            steps.append((name, "disable"))
        if wanted == "restarted":
            steps.append((name, "restart"))
        elif wanted == "started" and not active:
            steps.append((name, "start"))
        elif wanted == "reloaded":
            steps.append((name, "reload" if active else "start"))
        elif wanted == "stopped" and active:
            steps.append((name, "stop"))
    return steps


def run(argv):
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
    except OSError as error:
        return 127, "", str(error)
    return done.returncode, done.stdout, done.stderr


def journal(name):
    """The unit's last journal lines, for a failure message."""
    rc, out, err = run(["journalctl", "--no-pager", "-n", "15", "-u", full(name)])
    return out.strip() if rc == 0 else err.strip()


def apply(units=(), remove=(), daemon_reload=False, test_command=None, check_mode=False):
    """Returns {changed, actions: [{unit, action}], touched: units started, restarted or
    reloaded (also the one that failed), removed, daemon_reloaded, test}; raises UnitsError."""
    result = {"changed": False, "actions": [], "touched": [], "removed": [], "daemon_reloaded": False}

    def systemctl(*args):
        rc, out, err = run(["systemctl"] + list(args))
        if rc != 0:
            raise UnitsError("systemctl %s failed: %s" % (" ".join(args), (err or out).strip()[-800:]), result)

    current = units_state([unit["name"] for unit in units] + list(remove))
    for name in remove:
        path = "%s/%s" % (UNIT_DIR, full(name))
        now = current.get(name) or {}
        if now.get("active") not in ("inactive", "failed", "") or now.get("enabled") == "enabled" or os.path.exists(path):
            result["removed"].append(name)
            if not check_mode:
                if now.get("active") not in ("inactive", "failed", "") or now.get("enabled") == "enabled":
                    systemctl("disable", "--now", full(name))
                if os.path.exists(path):
                    os.unlink(path)
    steps = plan(units, current)
    reload_systemd = daemon_reload or bool(result["removed"])
    result["changed"] = bool(steps or result["removed"] or daemon_reload)
    if check_mode:
        result["actions"] = [{"unit": name, "action": action} for name, action in steps]
        return result
    if reload_systemd:
        systemctl("daemon-reload")
        result["daemon_reloaded"] = True
    if test_command and any(action in ("start", "restart", "reload") for name, action in steps):
        rc, out, err = run(list(test_command))
        result["test"] = {"cmd": list(test_command), "rc": rc, "output": (err + out).strip()[-800:]}
        if rc != 0:
            raise UnitsError("%s failed (rc %s), nothing was started or reloaded: %s"
                             % (" ".join(test_command), rc, (err + out).strip()[-800:]), result)
    for name, action in steps:
        result["actions"].append({"unit": name, "action": action})
        if action in ("start", "restart", "reload"):
            if name not in result["touched"]:
                result["touched"].append(name)
        try:
            systemctl(action, full(name))
        except UnitsError as error:
            if action in ("start", "restart", "reload"):
                raise UnitsError("%s\n%s" % (error, journal(name)), result)
            raise
    return result
