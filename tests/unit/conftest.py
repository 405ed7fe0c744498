"""Make this checkout importable as ansible_collections.osapi.wsgi and build real venvs.

The repository directory is not named like a collection path, so a temporary
ansible_collections/osapi/wsgi link to it is put first on sys.path.
"""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import tempfile
import textwrap

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
_ROOT = pathlib.Path(tempfile.mkdtemp(prefix="osapi-wsgi-tests-"))
(_ROOT / "ansible_collections" / "osapi").mkdir(parents=True)
os.symlink(REPO, _ROOT / "ansible_collections" / "osapi" / "wsgi")
sys.path.insert(0, str(_ROOT))


class Venv:
    """A real throwaway virtualenv with helpers to drop small packages into it."""

    def __init__(self, path: pathlib.Path):
        self.path = path
        self.python = str(path / "bin" / "python")
        out = subprocess.run(
            [self.python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True, capture_output=True, text=True,
        )
        self.site = pathlib.Path(out.stdout.strip())

    def add_module(self, dotted: str, source: str):
        parts = dotted.split(".")
        base = self.site
        for part in parts[:-1]:
            base = base / part
            base.mkdir(exist_ok=True)
            (base / "__init__.py").touch()
        (base / (parts[-1] + ".py")).write_text(textwrap.dedent(source))

    def add_distribution(self, name: str, version: str, top_level: str):
        info = self.site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir(exist_ok=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        (info / "top_level.txt").write_text(top_level + "\n")
        (info / "RECORD").write_text(f"{top_level}/__init__.py,,\n")


@pytest.fixture(scope="session")
def venv(tmp_path_factory) -> Venv:
    """One venv (without pip: fast) holding every test package."""
    path = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    env = Venv(path)
    env.add_module("goodapp.wsgi.api", """
        def application(environ, start_response):
            start_response('200 OK', [])
            return [b'ok']
        class Holder:
            app = staticmethod(application)
        """)
    env.add_distribution("good-app", "1.2.3", "goodapp")
    env.add_module("needsenv.api", """
        import os
        CONFIG_DIR = os.environ['NEEDSENV_CONFIG_DIR']
        def application(environ, start_response):
            return []
        """)
    env.add_module("depmissing.api", """
        import not_installed_dependency_xyz
        application = None
        """)
    env.add_module("raises.api", """
        def _load():
            raise RuntimeError('database connection refused at import')
        application = _load()
        """)
    env.add_module("notcallable.api", "application = 42\n")
    env.add_module("noisy.api", """
        print('{"ok": false, "error": "fake"}')
        print('@@osapi-wsgi-probe@@ not json')
        def application(environ, start_response):
            return []
        """)
    env.add_module("slow.api", """
        import time
        time.sleep(5)
        application = lambda e, s: []
        """)
    env.add_module("threads.api", """
        import threading, time
        threading.Thread(target=time.sleep, args=(600,)).start()
        application = lambda e, s: []
        """)
    env.add_module("argvparse.api", """
        import argparse, sys
        parser = argparse.ArgumentParser()
        parser.parse_args(sys.argv[1:])
        application = lambda e, s: []
        """)
    return env
