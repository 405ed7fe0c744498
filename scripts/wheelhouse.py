"""Fill a wheelhouse with every package the catalog's services install, for offline venvs.

PyPI's answers here carry no caching headers, so pip's HTTP cache stays empty and every
scenario would download the same releases again. Instead the test suite builds one
directory of wheels per machine (sdists are built once, here) and the scenarios install
with `--no-index --find-links` from it, bind-mounted read-only into the containers.

One resolution per OpenStack series: `pip wheel` of every service's release of the series
(the catalog's `releases`) plus what the roles install beside it by default, with the
series' upper-constraints as the engine applies them (plugins/plugin_utils/series.py), so
the wheels are exactly the versions a deploy of that series installs. Run in a throwaway
container of the test image, so that the interpreter (Debian's) and the environment markers
it decides on are the targets' own: a host Python 3.11.7 would skip e.g. redis's
`async-timeout; python_full_version < "3.11.3"`. A stamp file per release and series
records the last refresh; one refreshed less than --max-age hours ago with the same
requirements and constraints is skipped, so a warm machine spends no time here.

Per platform Python: every series is built in a container of the Debian 12 image (Python
3.11); the services that scenarios deploy on another release (a platform whose `image` is
localhost/osapi-wsgi-debian:<release>, its service groups) are built again, for every
series, in that release's image (Debian 13: Python 3.13), into the same directory:
pure-Python wheels are shared, compiled ones are tagged by their Python (cp311, cp313) and
pip takes its own.

Usage: python scripts/wheelhouse.py [--dir DIR] [--max-age HOURS] [--series S ...] [SERVICE ...]
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
# the reader behind the osapi.wsgi.catalog lookup and the series logic (plain Python, no Ansible needed)
sys.path.insert(0, str(REPO / "plugins" / "plugin_utils"))
import catalog as osapi_catalog  # noqa: E402 pylint: disable=wrong-import-position
import series as osapi_series  # noqa: E402 pylint: disable=wrong-import-position


def requirements(service, entry, series=osapi_series.DEFAULT):
    """The pip requirements the role installs for this service by default in a series."""
    defaults = yaml.safe_load((REPO / "roles" / service / "defaults" / "main.yml").read_text())
    extra = defaults.get(f"{service}_pip_extra_packages") or []
    # gunicorn's packages: in every service's venv, whatever its mode (roles/osapi_wsgi/vars/main.yml)
    return ([f"{entry['package']}=={entry['releases'][series]}"] + list(ENGINE_DEFAULTS["osapi_wsgi_pip_cloud_packages"])
            + list(extra) + list(ENGINE_DEFAULTS["osapi_wsgi_gunicorn_packages"]))


DEFAULT_RELEASE = "bookworm"
ENGINE_DEFAULTS = yaml.safe_load((REPO / "roles" / "osapi_wsgi" / "defaults" / "main.yml").read_text())
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


def stamp_of(wheelhouse, group, release=DEFAULT_RELEASE):
    """group: the constraints file's name (its series and digest)."""
    return wheelhouse / f".stamp-{release}-{group}"


def is_fresh(wheelhouse, series, reqs, max_age, release=DEFAULT_RELEASE):
    """Refreshed within max_age hours, for the same requirements and constraints (the stamp lists them)."""
    stamp = stamp_of(wheelhouse, series, release)
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


def refresh(constraints, reqs, wheelhouse, release=DEFAULT_RELEASE):
    """One `pip wheel` of every requirement of the services that share these constraints."""
    stamp = stamp_of(wheelhouse, constraints["file"], release)
    (wheelhouse / constraints["file"]).write_text(constraints["text"])
    start = time.monotonic()
    cmd = ["podman", "exec", BUILDER % release, "/tmp/pip/bin/pip", "wheel", "-q", "--disable-pip-version-check",
           "--wheel-dir", "/wheelhouse", "--find-links", "/wheelhouse", "--constraint",
           "/wheelhouse/" + constraints["file"], *reqs]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    label = f"{constraints['file']} ({len(reqs)} requirements) on {release}"
    if proc.returncode != 0:
        return label, "FAILED: " + (proc.stderr.strip().splitlines() or ["?"])[-1], time.monotonic() - start
    stamp.write_text(" ".join(reqs + ["constraints:" + constraints["digest"]]) + "\n")
    return label, "refreshed", time.monotonic() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=os.path.join(os.environ.get("OSAPI_CACHE", "/var/cache/osapi-wsgi"),
                                                      "wheelhouse"))
    parser.add_argument("--max-age", type=float, default=24.0, help="hours before a series is refreshed")
    parser.add_argument("--series", nargs="*", default=list(osapi_series.SUPPORTED), help="OpenStack series")
    parser.add_argument("services", nargs="*", help="catalog services (default: all)")
    args = parser.parse_args()

    catalog = osapi_catalog.load()
    unknown = sorted(set(args.services) - set(catalog))
    if unknown:
        parser.error(f"not in the catalog: {', '.join(unknown)}")
    bad = sorted(set(args.series) - set(osapi_series.SUPPORTED))
    if bad:
        parser.error(f"not a supported series: {', '.join(bad)} (supported: {', '.join(osapi_series.SUPPORTED)})")
    wheelhouse = pathlib.Path(args.dir)
    wheelhouse.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    failed = 0
    services = {DEFAULT_RELEASE: list(args.services or catalog)}
    for release, names in scenario_releases_services(catalog).items():
        services[release] = [name for name in names if name in services[DEFAULT_RELEASE]]
    for release, names in services.items():
        # one resolution per series, and one more for the services whose constraints carry an
        # exception of their own (plugins/plugin_utils/series.py CONSTRAINT_EXCEPTIONS)
        groups = {}
        for series in args.series:
            for name in names:
                constraints = osapi_series.pip_constraints(series, "", name)
                group = groups.setdefault(constraints["file"], {"constraints": constraints, "reqs": set()})
                group["reqs"].update(requirements(name, catalog[name], series))
        # uv, the installer (osapi_wsgi_pip_installer), pinned and in a venv of its own: one wheel
        # for every release, built with the default series' group
        default_group = osapi_series.pip_constraints(osapi_series.DEFAULT, "", None)["file"]
        if release == DEFAULT_RELEASE and default_group in groups:
            groups[default_group]["reqs"].add("uv==" + str(ENGINE_DEFAULTS["osapi_wsgi_uv_version"]))
        wanted = {key: sorted(group["reqs"]) for key, group in groups.items()}
        stamps = {key: reqs + ["constraints:" + groups[key]["constraints"]["digest"]] for key, reqs in wanted.items()}
        stale = [key for key in wanted if not is_fresh(wheelhouse, key, stamps[key], args.max_age, release)]
        if not names or not stale:
            continue
        try:
            start_builder(wheelhouse, release)
            with concurrent.futures.ThreadPoolExecutor(max_workers=min(len(stale), 3)) as pool:
                jobs = [pool.submit(refresh, groups[key]["constraints"], wanted[key], wheelhouse, release) for key in stale]
                for job in concurrent.futures.as_completed(jobs):
                    label, state, seconds = job.result()
                    failed += state.startswith("FAILED")
                    print(f"wheelhouse: {label}: {state} in {seconds:.0f}s", file=sys.stderr)
        finally:
            subprocess.run(["podman", "rm", "-f", "-t", "0", BUILDER % release], capture_output=True, check=False)
    size = sum(f.stat().st_size for f in wheelhouse.glob("*.whl"))
    print(f"wheelhouse: {wheelhouse}, {len(list(wheelhouse.glob('*.whl')))} wheels, {size / 2**20:.0f} MiB, "
          f"{time.monotonic() - start:.0f}s", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
