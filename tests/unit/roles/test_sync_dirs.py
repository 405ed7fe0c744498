"""sync-dirs.py (roles/osapi_wsgi/files/), the reader and writer of keystone's keys on the
hosts, run here as the hosts run it: a separate python3 on real directories."""
from __future__ import annotations

import base64
import grp
import importlib.util
import json
import os
import pwd
import subprocess
import sys

import pytest

from ansible_collections.osapi.wsgi.plugins.plugin_utils import engine, files

SCRIPT = files.HOST_SCRIPTS / "sync-dirs.py"
# its MAX_BYTES, read as the hosts' python reads the file
_SPEC = importlib.util.spec_from_file_location("sync_dirs", SCRIPT)
dirsync = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(dirsync)

USER = pwd.getpwuid(os.getuid()).pw_name
GROUP = grp.getgrgid(os.getgid()).gr_name


def run(*args, stdin=""):
    return subprocess.run([sys.executable, str(SCRIPT), *args], input=stdin, capture_output=True, text=True,
                          check=False)


@pytest.fixture(name="primary")
def primary_fixture(tmp_path):
    keys = tmp_path / "primary" / "fernet-keys"
    keys.mkdir(parents=True)
    for name, data in {"0": b"staged", "1": b"old", "2": b"primary"}.items():
        (keys / name).write_bytes(data)
    return keys


def test_what_the_engine_installs_is_this_file():
    assert files.SYNC_DIRS_TEXT == SCRIPT.read_text(encoding="utf-8")
    assert engine.SYNC_DIRS_PATH == "/usr/local/lib/osapi-wsgi/sync-dirs.py"


def test_read_then_write_makes_an_exact_copy(primary, tmp_path):
    read = run("read", str(primary))
    assert read.returncode == 0, read.stderr
    copy = tmp_path / "node" / "fernet-keys"
    copy.mkdir(parents=True)
    (copy / "1").write_bytes(b"changed on the node")
    (copy / "7").write_bytes(b"rotated out on the primary")
    os.chmod(copy / "1", 0o644)
    # what the primary holds, under this node's name for the directory
    shipped = json.dumps({str(copy): json.loads(read.stdout)[str(primary)]})
    wrote = run("write", "--group", GROUP, "%s=%s" % (copy, USER), stdin=shipped)
    assert wrote.returncode == 0, wrote.stderr
    result = json.loads(wrote.stdout)
    assert result["held"] == {str(copy): ["0", "1", "2"]}
    assert sorted(os.path.basename(path) for path in result["changed"]) == ["0", "1", "2", "7"]
    assert {name: (copy / name).read_bytes() for name in os.listdir(copy)} == {
        "0": b"staged", "1": b"old", "2": b"primary"}
    assert {oct(os.stat(copy / name).st_mode & 0o7777) for name in os.listdir(copy)} == {"0o600"}
    assert oct(os.stat(copy).st_mode & 0o7777) == "0o700"
    # the same again changes nothing
    again = json.loads(run("write", "--group", GROUP, "%s=%s" % (copy, USER), stdin=shipped).stdout)
    assert again["changed"] == []


@pytest.mark.parametrize("files_in, message", [
    ({"/elsewhere": {"0": "YQ=="}}, "expected exactly the directories"),
    ({"DIR": {}}, "no files"),
    ({"DIR": {"../../etc/passwd": "YQ=="}}, "refusing the file name"),
    ({"DIR": {".hidden": "YQ=="}}, "refusing the file name"),
    ({"DIR": {"0": "not base64!"}}, "not base64"),
    ({"DIR": {"0": base64.b64encode(b"x" * (dirsync.MAX_BYTES + 1)).decode()}}, "more than"),
])
def test_write_refuses_what_the_push_key_must_not_do(tmp_path, files_in, message):
    target = tmp_path / "keys"
    shipped = json.dumps({(str(target) if path == "DIR" else path): value for path, value in files_in.items()})
    wrote = run("write", "--group", GROUP, "%s=%s" % (target, USER), stdin=shipped)
    assert wrote.returncode == 2
    assert message in wrote.stderr and "nothing written" in wrote.stderr
    assert not target.exists()


def test_write_refuses_unknown_owners_and_bad_json(tmp_path):
    target = tmp_path / "keys"
    assert run("write", "--group", GROUP, "%s=no-such-user-osapi" % target, stdin="{}").returncode == 2
    assert run("write", "--group", GROUP, "%s=%s" % (target, USER), stdin="[").returncode == 2
    assert run("write", "--group", GROUP, "relative=%s" % USER, stdin="{}").returncode == 2
    assert not target.exists()


def test_read_of_a_missing_directory_is_empty(tmp_path):
    assert json.loads(run("read", str(tmp_path / "none")).stdout) == {str(tmp_path / "none"): {}}
