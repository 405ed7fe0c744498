# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make a list of files, directories and links as wanted, in one pass (osapi.wsgi.service_files).

Each entry: {path, state (file, directory, link, touch, absent), owner, group, mode,
content or src (file), src (link), secret}. A file is replaced atomically (a temporary file
in the same directory, renamed over it) only when its content differs; owner, group and
mode are set when they differ. Nothing here calls Ansible: the functions take plain values
and return plain results, so they run without a host in the unit tests.
"""

from __future__ import annotations

import grp
import hashlib
import os
import pwd
import shutil
import stat
import subprocess
import tempfile

STATES = ("file", "directory", "link", "touch", "absent")


class FilesError(Exception):
    """A file cannot be made as wanted; the message names the path and the reason."""


def sha1(data):
    return hashlib.sha1(data).hexdigest()


def uid_of(name):
    try:
        return pwd.getpwnam(str(name)).pw_uid
    except KeyError:
        return None


def gid_of(name):
    try:
        return grp.getgrnam(str(name)).gr_gid
    except KeyError:
        return None


def wanted_ids(item, check_mode):
    """(uid, gid) of the entry's owner and group; None where not given. An unknown name
    fails, except in check mode (an earlier task would have created it)."""
    ids = []
    for key, lookup in (("owner", uid_of), ("group", gid_of)):
        name = item.get(key)
        if name in (None, ""):
            ids.append(None)
            continue
        found = lookup(name)
        if found is None and not check_mode:
            raise FilesError("%s: %s %s does not exist on the host" % (item["path"], key, name))
        ids.append(found if found is not None else -1)
    return tuple(ids)


def wanted_mode(item):
    mode = item.get("mode")
    if mode in (None, ""):
        return None
    try:
        return int(str(mode), 8)
    except ValueError:
        raise FilesError("%s: mode %r is not an octal mode such as '0644'" % (item["path"], mode))


def attrs_differ(info, uid, gid, mode):
    return ((uid is not None and info.st_uid != uid) or (gid is not None and info.st_gid != gid)
            or (mode is not None and stat.S_IMODE(info.st_mode) != mode))


def set_attrs(path, uid, gid, mode):
    if uid is not None or gid is not None:
        os.lchown(path, -1 if uid is None else uid, -1 if gid is None else gid)
    if mode is not None:
        os.chmod(path, mode)


def read_bytes(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def text_of(data):
    try:
        return data.decode("utf-8")
    except (AttributeError, UnicodeDecodeError):
        return None


def wanted_content(item):
    """The bytes a file entry should hold: its content, or the file at src on the host."""
    if item.get("content") is not None:
        return str(item["content"]).encode("utf-8")
    if item.get("src"):
        data = read_bytes(item["src"])
        if data is None:
            raise FilesError("%s: its source %s does not exist or cannot be read" % (item["path"], item["src"]))
        return data
    raise FilesError("%s: a file entry needs content or src" % item["path"])


def write_atomically(path, data, uid, gid, mode):
    parent = os.path.dirname(path) or "."
    if not os.path.isdir(parent):
        raise FilesError("%s: its directory %s does not exist" % (path, parent))
    handle, tmp = tempfile.mkstemp(dir=parent, prefix=".%s." % os.path.basename(path))
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        set_attrs(tmp, uid, gid, 0o644 if mode is None else mode)
        os.rename(tmp, path)
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise


def state_of(path):
    if not os.path.lexists(path):
        return "absent"
    if os.path.islink(path):
        return "link"
    return "directory" if os.path.isdir(path) else "file"


def content_diff(item, before, after):
    """A diff as Ansible's callbacks show it, for text files that are not secret."""
    if item.get("secret"):
        return None
    old, new = ("" if before is None else text_of(before)), text_of(after)
    if old is None or new is None:
        return {"before_header": item["path"], "after_header": item["path"],
                "before": "(binary)\n", "after": "(binary)\n"}
    return {"before_header": item["path"], "after_header": item["path"], "before": old, "after": new}


def state_diff(item, before, after):
    return {"before_header": item["path"], "after_header": item["path"],
            "before": "state: %s\n" % before, "after": "state: %s\n" % after}


def one(item, check_mode):
    """Make one entry as wanted (or, in check mode, find whether it is).
    Returns (changed, diff or None, checksum of a file's wanted content or None)."""
    path, state = item["path"], item.get("state", "file")
    if state not in STATES:
        raise FilesError("%s: state %r is not one of %s" % (path, state, ", ".join(STATES)))
    present = state_of(path)
    if state == "absent":
        if present == "absent":
            return False, None, None
        if not check_mode:
            if present == "directory":
                shutil.rmtree(path)
            else:
                os.unlink(path)
        return True, state_diff(item, present, "absent"), None
    if state == "link":
        target = str(item["src"])
        if present == "link" and os.readlink(path) == target:
            return False, None, None
        if present == "directory":
            raise FilesError("%s: a directory is in the place of the link" % path)
        if not check_mode:
            tmp = "%s.osapi-link" % path
            if os.path.lexists(tmp):
                os.unlink(tmp)
            os.symlink(target, tmp)
            os.rename(tmp, path)
        return True, state_diff(item, present, "link to %s" % target), None
    uid, gid = wanted_ids(item, check_mode)
    mode = wanted_mode(item)
    if state == "directory":
        if present not in ("absent", "directory"):
            raise FilesError("%s: a %s is in the place of the directory" % (path, present))
        if present == "absent":
            if not check_mode:
                os.makedirs(path)
                set_attrs(path, uid, gid, 0o755 if mode is None else mode)
            return True, state_diff(item, "absent", "directory"), None
        if attrs_differ(os.stat(path), uid, gid, mode):
            if not check_mode:
                set_attrs(path, uid, gid, mode)
            return True, None, None
        return False, None, None
    if present not in ("absent", "file"):
        raise FilesError("%s: a %s is in the place of the file" % (path, present))
    if state == "touch":
        if present == "absent":
            if not check_mode:
                write_atomically(path, b"", uid, gid, mode)
            return True, state_diff(item, "absent", "file"), None
        if attrs_differ(os.stat(path), uid, gid, mode):
            if not check_mode:
                set_attrs(path, uid, gid, mode)
            return True, None, None
        return False, None, None
    data = wanted_content(item)
    before = read_bytes(path) if present == "file" else None
    if before != data:
        if not check_mode:
            write_atomically(path, data, uid, gid, mode)
        return True, content_diff(item, before, data), sha1(data)
    if attrs_differ(os.stat(path), uid, gid, mode):
        if not check_mode:
            set_attrs(path, uid, gid, mode)
        return True, None, sha1(data)
    return False, None, sha1(data)


def _tar(args, what):
    """tar relative to / (the snapshot's paths are), or FilesError saying what failed."""
    done = subprocess.run(["tar", "-C", "/"] + list(args), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise FilesError("%s failed: %s" % (what, done.stderr.strip()[-500:]))


def take_snapshot(dest, paths):
    """One root-only tar archive of the paths that exist (what a rollback puts back):
    returns the saved paths, relative to /."""
    parent = os.path.dirname(dest)
    if not os.path.isdir(parent):
        os.makedirs(parent, 0o700)
    os.chmod(parent, 0o700)
    saved = [path.lstrip("/") for path in paths if os.path.exists(path)]
    _tar(["-cpf", dest + ".new", "--files-from=/dev/null"] + saved, "saving %s to %s" % (", ".join(saved), dest))
    os.rename(dest + ".new", dest)
    return saved


def restore_snapshot(snapshot, paths, rejected):
    """The other half of take_snapshot: archive what of ``paths`` exists now into ``rejected``
    (kept for inspection), remove it, then extract ``snapshot``. Returns the paths now
    rejected, relative to /."""
    present = [path.lstrip("/") for path in paths if os.path.lexists(path)]
    _tar(["-cpf", rejected, "--files-from=/dev/null"] + present, "keeping the rejected files in %s" % rejected)
    for rel in present:
        full = "/" + rel
        if os.path.isdir(full) and not os.path.islink(full):
            shutil.rmtree(full)
        else:
            os.unlink(full)
    _tar(["-xpf", snapshot], "putting %s back" % snapshot)
    return present


def apply(entries, compare=(), snapshot=None, check_mode=False, want_diff=False):
    """Make the entries as wanted, in order; find which compare entries differ.

    snapshot: {dest, paths}: saved first (not in check mode). Returns {changed, changed_paths,
    differ, checksums, snapshot, diff}; raises FilesError with the partial result in .result.
    """
    result = {"changed": False, "changed_paths": [], "differ": [], "checksums": {}, "diff": []}
    try:
        if snapshot and not check_mode:
            result["snapshot"] = {"dest": snapshot["dest"], "saved": take_snapshot(snapshot["dest"], snapshot["paths"])}
        for item in entries:
            changed, diff, digest = one(item, check_mode)
            if digest:
                result["checksums"][item["path"]] = digest
            if changed:
                result["changed_paths"].append(item["path"])
                if want_diff and diff:
                    result["diff"].append(diff)
        for item in compare:
            if one(item, True)[0]:
                result["differ"].append(item["path"])
    except (FilesError, OSError) as error:
        failure = FilesError(str(error))
        failure.result = result
        raise failure
    result["changed"] = bool(result["changed_paths"])
    return result
