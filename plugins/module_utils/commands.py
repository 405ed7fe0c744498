# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a service's setup commands in order, each once (osapi.wsgi.setup_commands).

Each command: {name, argv, user, environment, creates, stamp, force, no_log}. It runs
when its `creates` path is missing, or when `force` is set; as `user` (through runuser
when that is not the current user) in `chdir`, with the common environment and its own.
With `stamp`, `creates` is a stamp file written after a successful run (root only), so a
changed command line or config (which names another stamp) runs it again.
"""

from __future__ import annotations

import os
import pwd
import subprocess

TAIL = 40


class CommandError(Exception):
    """A command failed: .result holds what ran and the failure."""

    def __init__(self, message, result):
        super(CommandError, self).__init__(message)
        self.result = result


def current_user():
    return pwd.getpwuid(os.getuid()).pw_name


def tail(text, lines=TAIL):
    return "\n".join((text or "").rstrip().splitlines()[-lines:])


def write_stamp(path, name):
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        os.makedirs(parent)
    os.chmod(parent, 0o700)
    if os.getuid() == 0:
        os.chown(parent, 0, 0)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
        handle.write(name + "\n")


def due(cmd):
    """Why a command runs now ('' when it does not)."""
    if cmd.get("force"):
        return "the application changed"
    if not os.path.exists(cmd["creates"]):
        return "no stamp" if cmd.get("stamp") else "%s is missing" % cmd["creates"]
    return ""


def run_all(commands, chdir=None, environment=None, check_mode=False):
    """Run the commands that are due, in order; stop at the first failure (CommandError).
    Returns {changed, ran, not_due, results}."""
    result = {"changed": False, "ran": [], "not_due": [], "results": []}
    me = current_user()
    for cmd in commands:
        why = due(cmd)
        if not why:
            result["not_due"].append(cmd["name"])
            continue
        result["changed"] = True
        result["ran"].append(cmd["name"])
        if check_mode:
            result["results"].append({"name": cmd["name"], "why": why, "rc": None})
            continue
        argv = [str(arg) for arg in cmd["argv"]]
        user = cmd.get("user") or me
        if user != me:
            argv = ["runuser", "-u", user, "--"] + argv
        env = dict(os.environ, **{key: str(value) for key, value in (environment or {}).items()})
        env.update({key: str(value) for key, value in (cmd.get("environment") or {}).items()})
        try:
            done = subprocess.run(argv, cwd=chdir or None, env=env, capture_output=True, text=True, check=False)
            rc, out, err = done.returncode, done.stdout, done.stderr
        except OSError as error:
            rc, out, err = 127, "", str(error)
        record = {"name": cmd["name"], "why": why, "rc": rc}
        if not cmd.get("no_log"):
            record.update({"cmd": argv, "stdout": tail(out), "stderr": tail(err)})
        result["results"].append(record)
        if rc != 0:
            shown = "" if cmd.get("no_log") else ": " + (tail(err, 5) or tail(out, 5))
            raise CommandError("setup command %s failed (rc %s)%s" % (cmd["name"], rc, shown), result)
        if cmd.get("stamp"):
            write_stamp(cmd["creates"], cmd["name"])
    return result
