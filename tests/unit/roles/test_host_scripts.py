"""The scripts the engine installs on the hosts (roles/osapi_wsgi/files/) are what
plugins/plugin_utils/files.py deploys; the shell scripts and the haproxy role's (keepalived's
check of HAProxy) parse as POSIX sh and pass shellcheck where it is installed (sync-dirs.py,
Python: tests/unit/roles/test_sync_dirs.py)."""
from __future__ import annotations

import pathlib
import shutil
import subprocess

import pytest

from ansible_collections.osapi.wsgi.plugins.plugin_utils import engine, files

ENGINE_SCRIPTS = sorted(path for path in files.HOST_SCRIPTS.iterdir() if path.is_file() and path.suffix != ".py")
SCRIPTS = ENGINE_SCRIPTS + sorted(path for path in (files.HOST_SCRIPTS.parents[1] / "haproxy" / "files").iterdir()
                                  if path.is_file())


def test_every_script_of_the_role_is_deployed_by_the_engine():
    deployed = {pathlib.PurePath(files.CHAIN_RELOAD_PATH).name: files.CHAIN_RELOAD_TEXT,
                pathlib.PurePath(files.MOD_WSGI_RESTART_PATH).name: files.MOD_WSGI_RESTART_TEXT,
                pathlib.PurePath(engine.SYNC_DIRS_PATH).name: files.SYNC_DIRS_TEXT}
    assert {path.name: path.read_text() for path in files.HOST_SCRIPTS.iterdir() if path.is_file()} == deployed


@pytest.mark.parametrize("path", SCRIPTS, ids=[path.name for path in SCRIPTS])
def test_script_parses_as_posix_sh(path):
    assert path.read_text().startswith("#!/bin/sh\n")
    shell = shutil.which("dash") or "/bin/sh"
    done = subprocess.run([shell, "-n", str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("path", SCRIPTS, ids=[path.name for path in SCRIPTS])
def test_script_is_shellcheck_clean(path):
    shellcheck = shutil.which("shellcheck")
    if not shellcheck:
        pytest.skip("shellcheck is not installed")
    done = subprocess.run([shellcheck, "-s", "sh", str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout
