"""Fill a wheelhouse with every package the catalog's services install, for offline venvs.

PyPI's answers here carry no caching headers, so pip's HTTP cache stays empty and every
scenario would download the same releases again. Instead the test suite builds one
directory of wheels per machine (sdists are built once, here) and the scenarios install
with `--no-index --find-links` from it, bind-mounted read-only into the containers.

Per service: `pip wheel` of its package plus its role's default extra packages, run in a
throwaway container of the test image, so that the interpreter (Debian's 3.11.2) and the
environment markers it decides on are the targets' own: a host Python 3.11.7 would skip
e.g. redis's `async-timeout; python_full_version < "3.11.3"`. A stamp file per service
records the last refresh; a service refreshed less than --max-age hours
ago is skipped, so a warm machine spends no time here and a cold one fetches each release
once. Newer releases on PyPI are picked up at the next refresh.

The releases the upgrade scenario moves between (molecule/upgrade/releases.yml, {service:
{from, to, from_requires}}) get their wheels too, as `<service>@<version>`.

Per platform Python: every service is built in a container of the Debian 12 image (Python
3.11); the services that scenarios deploy on another release (a platform whose `image` is
localhost/osapi-wsgi-debian:<release>, its service groups) are built again in that
release's image (Debian 13: Python 3.13), into the same directory: pure-Python wheels are
shared, compiled ones are tagged by their Python (cp311, cp313) and pip takes its own.

Usage: python scripts/wheelhouse.py [--dir DIR] [--max-age HOURS] [--jobs N] [SERVICE ...]
"""
import argparse
import concurrent.futures
import os
import pathlib
import subprocess
import sys
import time

import yaml

REPO = pathlib.Path(__file__).resolve().parent.parent
# the reader behind the osapi.wsgi.catalog lookup (plain Python, no Ansible needed)
sys.path.insert(0, str(REPO / "plugins" / "plugin_utils"))
import catalog as osapi_catalog  # noqa: E402 pylint: disable=wrong-import-position


def requirements(service, entry):
    """The pip requirements the role installs for this service by default."""
    defaults = yaml.safe_load((REPO / "roles" / service / "defaults" / "main.yml").read_text())
    version = str(defaults.get(f"{service}_version") or "")
    if version and version[0] not in "<>=!~":
        version = "==" + version
    extra = defaults.get(f"{service}_pip_extra_packages") or []
    engine = yaml.safe_load((REPO / "roles" / "osapi_wsgi" / "defaults" / "main.yml").read_text())
    # gunicorn's packages: in every service's venv, whatever its mode (roles/osapi_wsgi/vars/main.yml)
    return ([entry["package"] + version] + list(engine["osapi_wsgi_pip_cloud_packages"]) + list(extra)
            + list(engine["osapi_wsgi_gunicorn_packages"]))


def scenario_releases(catalog):
    """{<service>@<version>: requirements} of the releases the upgrade scenario moves between."""
    path = REPO / "molecule" / "upgrade" / "releases.yml"
    releases = yaml.safe_load(path.read_text()) if path.exists() else {}
    out = {}
    for service, moves in (releases or {}).items():
        if service in catalog:
            base = requirements(service, catalog[service])[1:]
            out[f"{service}@{moves['from']}"] = [f"{catalog[service]['package']}=={moves['from']}", *base,
                                                 *moves.get("from_requires", [])]
            out[f"{service}@{moves['to']}"] = [f"{catalog[service]['package']}=={moves['to']}", *base]
    return out


DEFAULT_RELEASE = "bookworm"
IMAGE = "localhost/osapi-wsgi-debian:%s"
BUILDER = "osapi-wheelhouse-%s"


def platform_release(platform):
    """The Debian release a Molecule platform runs (its image; the default release without
    one; bookworm-full: bookworm); None for an image that is not one of this project's."""
    image = str(platform.get("image") or IMAGE % DEFAULT_RELEASE)
    if not image.startswith(IMAGE % ""):
        return None
    return image[len(IMAGE % ""):].split("-", maxsplit=1)[0]


def scenario_releases_services(catalog):
    """{release: [services]} that the scenarios deploy on a release other than the default
    (their platforms' image and service groups)."""
    out = {}
    for path in sorted((REPO / "molecule").glob("*/molecule.yml")):
        for platform in (yaml.safe_load(path.read_text()) or {}).get("platforms") or []:
            release = platform_release(platform)
            if release and release != DEFAULT_RELEASE:
                names = out.setdefault(release, [])
                names.extend(group for group in platform.get("groups") or [] if group in catalog and group not in names)
    return out


def stamp_of(wheelhouse, service, release=DEFAULT_RELEASE):
    return wheelhouse / (f".stamp-{service}" if release == DEFAULT_RELEASE else f".stamp-{release}-{service}")


def is_fresh(wheelhouse, service, reqs, max_age, release=DEFAULT_RELEASE):
    """Refreshed within max_age hours, for the same requirements (the stamp lists them)."""
    stamp = stamp_of(wheelhouse, service, release)
    return (stamp.exists() and time.time() - stamp.stat().st_mtime < max_age * 3600
            and stamp.read_text().split() == reqs)


def start_builder(wheelhouse, release):
    """A container of the release's test image with the wheelhouse mounted and a venv for pip."""
    name = BUILDER % release
    subprocess.run(["podman", "rm", "-f", name], capture_output=True, check=False)
    subprocess.run(["podman", "run", "-d", "--rm", "--name", name, "--label", "osapi.wsgi=wheelhouse",
                    "--network", "host", "-v", f"{wheelhouse}:/wheelhouse", IMAGE % release, "sleep", "7200"],
                   capture_output=True, check=True)
    subprocess.run(["podman", "exec", name, "python3", "-m", "venv", "/tmp/pip"], capture_output=True, check=True)
    # bookworm's pip 23.0 builds sdists with 'setup.py bdist_wheel', which needs the wheel
    # package; 'pip install' then falls back to 'setup.py install', 'pip wheel' cannot
    # (simplegeneric, an sdist that WSME needs). A current pip builds them in isolation.
    subprocess.run(["podman", "exec", name, "/tmp/pip/bin/pip", "install", "-q", "--disable-pip-version-check",
                    "--upgrade", "pip", "setuptools", "wheel"], capture_output=True, check=True)


def refresh(service, reqs, wheelhouse, release=DEFAULT_RELEASE):
    stamp = stamp_of(wheelhouse, service, release)
    start = time.monotonic()
    cmd = ["podman", "exec", BUILDER % release, "/tmp/pip/bin/pip", "wheel", "-q", "--disable-pip-version-check",
           "--wheel-dir", "/wheelhouse", "--find-links", "/wheelhouse", *reqs]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    label = service if release == DEFAULT_RELEASE else f"{service} ({release})"
    if proc.returncode != 0:
        return label, "FAILED: " + (proc.stderr.strip().splitlines() or ["?"])[-1], time.monotonic() - start
    stamp.write_text(" ".join(reqs) + "\n")
    return label, "refreshed", time.monotonic() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=os.path.join(os.environ.get("OSAPI_CACHE", "/var/cache/osapi-wsgi"),
                                                      "wheelhouse"))
    parser.add_argument("--max-age", type=float, default=24.0, help="hours before a service is refreshed")
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("services", nargs="*", help="catalog services (default: all)")
    args = parser.parse_args()

    catalog = osapi_catalog.load()
    unknown = sorted(set(args.services) - set(catalog))
    if unknown:
        parser.error(f"not in the catalog: {', '.join(unknown)}")
    wheelhouse = pathlib.Path(args.dir)
    wheelhouse.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    failed = 0
    reqs = {name: requirements(name, catalog[name]) for name in (args.services or catalog)}
    reqs.update({name: wanted for name, wanted in scenario_releases(catalog).items()
                 if name.split("@")[0] in (args.services or catalog)})
    wanted = {DEFAULT_RELEASE: list(reqs)}
    for release, names in scenario_releases_services(catalog).items():
        wanted[release] = [name for name in names if name in reqs]
    for release, names in wanted.items():
        stale = [name for name in names if not is_fresh(wheelhouse, name, reqs[name], args.max_age, release)]
        if not stale:
            continue
        try:
            start_builder(wheelhouse, release)
            with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
                jobs = [pool.submit(refresh, name, reqs[name], wheelhouse, release) for name in stale]
                for job in concurrent.futures.as_completed(jobs):
                    name, state, seconds = job.result()
                    failed += state.startswith("FAILED")
                    print(f"wheelhouse: {name}: {state} in {seconds:.0f}s", file=sys.stderr)
        finally:
            subprocess.run(["podman", "rm", "-f", "-t", "0", BUILDER % release], capture_output=True, check=False)
    size = sum(f.stat().st_size for f in wheelhouse.glob("*.whl"))
    print(f"wheelhouse: {wheelhouse}, {len(list(wheelhouse.glob('*.whl')))} wheels, {size / 2**20:.0f} MiB, "
          f"{time.monotonic() - start:.0f}s", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
