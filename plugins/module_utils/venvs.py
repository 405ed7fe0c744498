# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Versioned venvs behind one stable path (osapi.wsgi.venv_switch).

Each release of a service lives in its own venv, <root>/<service>-<tag>; the stable path
<root>/<service>, which units, uWSGI ini files, mod_wsgi and the setup commands use, is a
symlink to the active one. switch() points the link at another venv by renaming a new link
over it (atomic: a reader sees the old or the new venv, never none), after `pip check` in
the new venv. A venv at the stable path itself (the layout before versioned venvs) is
renamed to <service>-<its version> first. The order in which venvs were active is kept in
<root>/.osapi-venvs-<service>.json: the active one and the `keep` before it stay, older ones
are removed.
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import subprocess


class VenvError(Exception):
    def __init__(self, msg, result=None):
        super(VenvError, self).__init__(msg)
        self.result = result or {}


def history_path(stable):
    root, name = os.path.split(stable.rstrip("/"))
    return os.path.join(root, ".osapi-venvs-%s.json" % name)


def read_history(stable):
    try:
        with open(history_path(stable), encoding="utf-8") as handle:
            data = json.load(handle)
        return [str(item) for item in data] if isinstance(data, list) else []
    except (OSError, ValueError):
        return []


def write_history(stable, history):
    path = history_path(stable)
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(history, handle, indent=1)
        handle.write("\n")
    os.rename(path + ".tmp", path)


def active(stable):
    """The venv the stable path serves: the link's target (absolute), the path itself when
    it is a plain directory, None when missing."""
    if os.path.islink(stable):
        target = os.readlink(stable)
        return os.path.normpath(os.path.join(os.path.dirname(stable), target))
    return stable if os.path.isdir(stable) else None


def installed_version(venv, package):
    """The version of a distribution installed in a venv (from its .dist-info), or ''."""
    wanted = re.sub(r"[-_.]+", "_", package).lower()
    for path in glob.glob(os.path.join(venv, "lib", "python*", "site-packages", "*.dist-info")):
        base = os.path.basename(path)[:-len(".dist-info")]
        name, _sep, version = base.rpartition("-")
        if re.sub(r"[-_.]+", "_", name).lower() == wanted:
            return version
    return ""


def installed_packages(venv):
    """What `pip freeze` would list of the venv, read from its .dist-info directories (no
    subprocess): sorted 'name==version' lines, names normalized as PEP 503 compares them."""
    out = set()
    for path in glob.glob(os.path.join(venv, "lib", "python*", "site-packages", "*.dist-info")):
        name, _sep, version = os.path.basename(path)[:-len(".dist-info")].rpartition("-")
        if name:
            out.add("%s==%s" % (re.sub(r"[-_.]+", "-", name).lower(), version))
    return sorted(out)


def packages_digest(packages):
    """12 hex digits of the SHA-1 of the package list: equal lists, equal digests."""
    return hashlib.sha1("\n".join(packages).encode("utf-8")).hexdigest()[:12] if packages else ""


def pip_check(venv, uv=None):
    """(ok, output) of `pip check` in the venv: the venv's pip, or `uv pip check` with the uv
    binary `uv` when it is given and there (the same check of the installed distributions'
    requirements, without starting pip)."""
    python = os.path.join(venv, "bin", "python")
    argv = [uv, "pip", "check", "--python", python] if uv and os.path.isfile(uv) else [python, "-m", "pip", "check"]
    try:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                              check=False)
    except OSError as error:
        return False, str(error)
    return done.returncode == 0, done.stdout.strip()


def relink(stable, target):
    """Point the symlink at target (relative when beside it), atomically."""
    tmp = stable.rstrip("/") + ".osapi-new"
    if os.path.lexists(tmp):
        os.unlink(tmp)
    same_dir = os.path.dirname(target) == os.path.dirname(stable.rstrip("/"))
    os.symlink(os.path.basename(target) if same_dir else target, tmp)
    os.rename(tmp, stable)


def switch(stable, target, keep=1, package="", check=True, check_mode=False, uv=None):
    """Make target the active venv of the stable path. Returns {changed, previous, active,
    migrated, kept, removed, pip_check}; raises VenvError (nothing switched) when target is
    not a venv or `pip check` fails in it."""
    stable = stable.rstrip("/")
    target = os.path.normpath(target)
    result = {"changed": False, "previous": active(stable), "active": target, "migrated": "", "kept": [],
              "removed": [], "pip_check": "", "installed": [], "installed_digest": ""}
    if not os.path.isfile(os.path.join(target, "bin", "python")):
        if check_mode:  # not built yet: a real run builds it first
            result["changed"] = result["previous"] != target
            return result
        raise VenvError("%s is not a venv (no bin/python): nothing was switched" % target, result)
    if check:
        ok, output = pip_check(target, uv)
        result["pip_check"] = output
        if not ok:
            raise VenvError("pip check failed in %s, nothing was switched (the running venv %s stays): %s"
                            % (target, result["previous"], output[-1500:]), result)
    result["installed"] = installed_packages(target)
    result["installed_digest"] = packages_digest(result["installed"])
    previous = result["previous"]
    history = [item for item in read_history(stable) if item != target]
    if previous == stable:
        # a venv from before versioned venvs, at the stable path itself: give it a name
        version = installed_version(stable, package) or "previous"
        legacy = "%s-%s" % (stable, version)
        while os.path.lexists(legacy) and legacy != target:
            legacy += "-old"
        result["migrated"] = previous = result["previous"] = legacy
    if previous and previous != target:
        history = [previous] + [item for item in history if item != previous]
    if previous != target:
        result["changed"] = True
        if not check_mode:
            if result["migrated"]:
                os.rename(stable, result["migrated"])
            relink(stable, target)
    # prune: the active venv and the `keep` last ones before it stay
    prefix = os.path.basename(stable) + "-"
    result["kept"] = history[:max(int(keep), 0)]
    for old in history[len(result["kept"]):]:
        if (os.path.dirname(old) == os.path.dirname(stable) and os.path.basename(old).startswith(prefix)
                and os.path.isdir(old) and not os.path.islink(old)):
            result["removed"].append(old)
            result["changed"] = True
            if not check_mode:
                shutil.rmtree(old)
    if not check_mode:
        write_history(stable, [target] + result["kept"])
    return result
