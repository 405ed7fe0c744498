# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read what a deploy needs to know about a host, in one pass (osapi.wsgi.service_probe):
which paths exist, a JSON file, which packages are missing, whether users and groups are
as wanted, the state of systemd units. Only reads."""

from __future__ import annotations

import glob
import grp
import json
import os
import pwd
import subprocess

APT_LISTS = "/var/lib/apt/lists/*_Packages*"


def run(argv):
    """(rc, stdout) of a command; rc 127 when it is not installed."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
    except OSError:
        return 127, ""
    return done.returncode, done.stdout


def exists(paths):
    return {path: os.path.exists(path) for path in paths}


def read_json(path):
    """(content, error): {} when the file is missing; an error when it is not JSON."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle), None
    except FileNotFoundError:
        return {}, None
    except (OSError, ValueError) as error:
        return {}, "%s: %s" % (path, error)


def missing_packages(packages):
    """The Debian packages of the list that are not installed."""
    if not packages:
        return []
    rc, out = run(["dpkg-query", "-W", "-f", "${Package} ${db:Status-Abbrev}\n"] + list(packages))
    if rc == 127:
        return list(packages)
    installed = set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[1].startswith("ii"):
            installed.add(fields[0])
    return [name for name in packages if name.split("=")[0].split(":")[0] not in installed]


def user_matches(wanted):
    """Whether the user exists with the home, shell, primary group and comment wanted."""
    try:
        found = pwd.getpwnam(wanted["name"])
    except KeyError:
        return False
    try:
        group = grp.getgrgid(found.pw_gid).gr_name
    except KeyError:
        group = None
    checks = {"home": found.pw_dir, "shell": found.pw_shell, "group": group, "comment": found.pw_gecos}
    return all(wanted.get(key) in (None, value) for key, value in checks.items())


def group_exists(name):
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


def parse_show(units, out):
    """{unit: {active, enabled}} from ``systemctl show -p Id,ActiveState,UnitFileState``'s
    output for the units (one block per unit, in order, separated by empty lines)."""
    state = {unit: {"active": "", "enabled": ""} for unit in units}
    blocks = [dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
              for block in out.strip().split("\n\n")] if out.strip() else []
    for unit, block in zip(units, blocks):
        state[unit] = {"active": block.get("ActiveState", ""), "enabled": block.get("UnitFileState", "")}
    return state


def units_state(units):
    """{unit: {active, enabled}}: ActiveState and UnitFileState (empty when systemd does
    not know the unit, or does not run)."""
    if not units:
        return {}
    names = [unit if "." in unit else unit + ".service" for unit in units]
    rc, out = run(["systemctl", "show", "--no-pager", "-p", "Id,ActiveState,UnitFileState"] + names)
    return parse_show(units, out if rc == 0 else "")


def probe(paths=(), json_file=None, packages=(), users=(), groups=(), units=()):
    result = {"exists": exists(paths), "units": units_state(list(units)),
              "groups": {name: group_exists(name) for name in groups},
              "users": {item["name"]: user_matches(item) for item in users}}
    if json_file:
        result["json"], error = read_json(json_file)
        if error:
            result["json_error"] = error
    if packages:
        result["missing_packages"] = missing_packages(list(packages))
        result["apt_lists"] = bool(glob.glob(APT_LISTS))
    return result
