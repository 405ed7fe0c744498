"""Time the two installers of osapi_wsgi_pip_installer on this host: for each service named,
a fresh venv gets the service's release of the default series with the collection's
requirements and the series' constraints from the wheelhouse (scripts/wheelhouse.py), once
with the venv's pip and once with uv, both compiling bytecode; prints wall and CPU seconds
and whether both venvs hold the same distributions. Figures, not a test: docs/performance.md.

    python benchmarks/installer.py [--rounds N] [SERVICE ...]     (default: keystone placement)
"""

from __future__ import annotations

import argparse
import os
import pathlib
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "plugins" / "plugin_utils"))
sys.path.insert(0, str(REPO / "scripts"))
import catalog as osapi_catalog  # noqa: E402 pylint: disable=wrong-import-position
import series as osapi_series  # noqa: E402 pylint: disable=wrong-import-position
import wheelhouse  # noqa: E402 pylint: disable=wrong-import-position

ENGINE = yaml.safe_load((REPO / "roles" / "osapi_wsgi" / "defaults" / "main.yml").read_text())


def timed(argv, env=None):
    """(wall seconds, CPU seconds of the children) of one command, which must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    subprocess.run(argv, check=True, capture_output=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return time.monotonic() - start, cpu


def frozen(venv):
    return subprocess.run([f"{venv}/bin/python", "-m", "pip", "freeze", "--all"], check=True, capture_output=True,
                          text=True).stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--wheelhouse", default=os.path.join(os.environ.get("OSAPI_CACHE", "/var/cache/osapi-wsgi"),
                                                             "wheelhouse"))
    parser.add_argument("services", nargs="*", default=["keystone", "placement"])
    args = parser.parse_args()
    catalog = osapi_catalog.load()
    work = pathlib.Path(tempfile.mkdtemp(prefix="osapi-installer-"))
    try:
        constraints = work / "constraints.txt"
        uv_venv = work / "uv"
        subprocess.run([sys.executable, "-m", "venv", str(uv_venv)], check=True)
        subprocess.run([f"{uv_venv}/bin/pip", "install", "-q", "--no-index", "--find-links", args.wheelhouse,
                        "uv==" + str(ENGINE["osapi_wsgi_uv_version"])], check=True)
        env = dict(os.environ, UV_CACHE_DIR=str(work / "uv-cache"), UV_NO_PROGRESS="1", UV_PYTHON_DOWNLOADS="never")
        print("service    round  installer  venv s  install wall s  install CPU s  same set")
        for name in args.services:
            constraints.write_text(osapi_series.pip_constraints(osapi_series.DEFAULT, "", name)["text"])
            reqs = wheelhouse.requirements(name, catalog[name])
            sources = ["--no-index", "--find-links", args.wheelhouse, "--constraint", str(constraints)]
            for round_no in range(1, args.rounds + 1):
                sets = {}
                for installer in ("pip", "uv"):
                    venv = work / f"{name}-{installer}"
                    shutil.rmtree(venv, ignore_errors=True)
                    venv_wall = timed([sys.executable, "-m", "venv", str(venv)])[0]
                    if installer == "pip":
                        argv = [f"{venv}/bin/pip", "install", "-q", "--disable-pip-version-check", *sources, *reqs]
                    else:
                        argv = [f"{uv_venv}/bin/uv", "pip", "install", "-q", "--python", f"{venv}/bin/python",
                                "--compile-bytecode", "--link-mode", "copy", *sources, *reqs]
                    wall, cpu = timed(argv, env)
                    sets[installer] = frozen(venv)
                    same = "yes" if installer == "pip" or sets["pip"] == sets["uv"] else "NO"
                    print(f"{name:<10} {round_no:>5}  {installer:<9} {venv_wall:>6.1f}  {wall:>14.1f}  {cpu:>13.1f}  {same}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
