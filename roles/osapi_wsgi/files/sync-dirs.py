# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Copies of a primary node's shared directories (keystone's fernet and credential keys) on
the other nodes of a service: the one reader and the one writer of them.

A script of the hosts, standard library only: the engine installs this file as
``/usr/local/lib/osapi-wsgi/sync-dirs.py`` (plugins/plugin_utils/files.py) on every node of a
service with shared directories, and runs it from the deploy's copy
(roles/osapi_wsgi/tasks/primary_dirs.yml) and from keystone's key push (the rotation timer
sends the primary's keys over SSH to a key that may run nothing but ``write``)::

    python3 sync-dirs.py read DIR...            JSON {dir: {name: base64 content}} on stdout
    python3 sync-dirs.py write --group GROUP DIR=OWNER...
                                                that JSON on stdin; prints {"changed", "held"}

``write`` takes only the directories its command line names (the forced command of the push
key fixes them), plain file names and at most MAX_BYTES in all; it writes new and changed
files first (each atomically, 0600 in a 0700 directory, the owner given), then removes the
files the primary no longer has. Contents are never printed.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import os
import re
import sys

NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
MAX_BYTES = 1 << 20


class SyncError(Exception):
    """Input the writer refuses; nothing was written."""


def read_dirs(paths):
    """{path: {name: base64 content}} of the regular files of each directory (a missing
    directory reads as empty)."""
    out = {}
    for path in paths:
        names = sorted(os.listdir(path)) if os.path.isdir(path) else []
        out[path] = {}
        for name in names:
            full = os.path.join(path, name)
            if os.path.isfile(full) and not os.path.islink(full):
                with open(full, "rb") as handle:
                    out[path][name] = base64.b64encode(handle.read()).decode("ascii")
    return out


def decode(files, allowed):
    """The files to write, decoded and checked: {path: {name: bytes}}, raises SyncError."""
    if not isinstance(files, dict) or set(files) != set(allowed):
        raise SyncError("expected exactly the directories %s" % ", ".join(sorted(allowed)))
    out, total = {}, 0
    for path, entries in files.items():
        if not isinstance(entries, dict) or not entries:
            raise SyncError("%s: no files (the primary's directory is empty)" % path)
        out[path] = {}
        for name, content in entries.items():
            if not isinstance(name, str) or not NAME.match(name):
                raise SyncError("%s: refusing the file name %r" % (path, name))
            try:
                data = base64.b64decode(content, validate=True)
            except (TypeError, ValueError, binascii.Error) as err:
                raise SyncError("%s/%s: not base64 (%s)" % (path, name, err)) from None
            total += len(data)
            if total > MAX_BYTES:
                raise SyncError("more than %d bytes" % MAX_BYTES)
            out[path][name] = data
    return out


def _same(full, data, uid, gid):
    try:
        with open(full, "rb") as handle:
            stat = os.fstat(handle.fileno())
            return handle.read() == data and (stat.st_uid, stat.st_gid, stat.st_mode & 0o7777) == (uid, gid, 0o600)
    except FileNotFoundError:
        return False


def write_dirs(files, owners, gid):
    """Make each directory hold exactly ``files`` ({path: {name: bytes}}); owners: {path: uid}.
    Returns {"changed": [paths written or removed], "held": {path: [names]}}."""
    changed, held = [], {}
    for path, entries in sorted(files.items()):
        uid = owners[path]
        os.makedirs(path, mode=0o700, exist_ok=True)
        os.chown(path, uid, gid)
        os.chmod(path, 0o700)
        for name, data in sorted(entries.items()):
            full = os.path.join(path, name)
            if not _same(full, data, uid, gid):
                new = full + ".osapi-new"
                with os.fdopen(os.open(new, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
                    handle.write(data)
                os.chown(new, uid, gid)
                os.replace(new, full)
                changed.append(full)
        for name in sorted(os.listdir(path)):
            full = os.path.join(path, name)
            if name not in entries and os.path.isfile(full):
                os.remove(full)
                changed.append(full)
        held[path] = sorted(entries)
    return {"changed": changed, "held": held}


def _owned(spec):
    path, sep, owner = spec.rpartition("=")
    if not sep or not os.path.isabs(path) or not owner:
        raise argparse.ArgumentTypeError("%r is not DIR=OWNER with an absolute DIR" % spec)
    return os.path.normpath(path), owner


def main(argv=None, stdin=None, stdout=None):
    """The command line (see the module's doc); returns the exit status."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    parser = argparse.ArgumentParser(prog="sync-dirs.py")
    sub = parser.add_subparsers(dest="action", required=True)
    read = sub.add_parser("read")
    read.add_argument("dirs", nargs="+")
    write = sub.add_parser("write")
    write.add_argument("--group", required=True)
    write.add_argument("dirs", nargs="+", type=_owned)
    args = parser.parse_args(argv)
    if args.action == "read":
        json.dump(read_dirs(args.dirs), stdout)
        stdout.write("\n")
        return 0
    # POSIX only (the hosts'), and only for the writer
    import grp  # pylint: disable=import-outside-toplevel
    import pwd  # pylint: disable=import-outside-toplevel
    try:
        owners = {path: pwd.getpwnam(owner).pw_uid for path, owner in args.dirs}
        gid = grp.getgrnam(args.group).gr_gid
        files = decode(json.loads(stdin.read(MAX_BYTES * 2)), owners)
    except (KeyError, ValueError, SyncError) as err:
        sys.stderr.write("sync-dirs.py: nothing written: %s\n" % err)
        return 2
    json.dump(write_dirs(files, owners, gid), stdout)
    stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
