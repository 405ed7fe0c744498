# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenStack series: which release of each service a deployment runs, and with which packages.

A deployment names one series (osapi_wsgi_openstack_series). The catalog lists, per service
and supported series, one exact release (its `releases` table); every pip install into a
service's venv runs with that series' upper-constraints, vendored from openstack/requirements
into roles/osapi_wsgi/files/upper-constraints/<series>.txt. The few packages the collection
installs outside or above those constraints are CONSTRAINT_EXCEPTIONS below, each with its
reason. The engine, playbooks/upgrade.yml and scripts/wheelhouse.py (loaded by file path,
without Ansible) decide with these functions; nothing here talks to a host. Checks return a
list of messages (empty: accepted), each naming the variable to change.
"""

from __future__ import annotations

import hashlib
import os
import re

# The series a deployment can name, oldest first: those whose stable/<series> branch of
# openstack/requirements has upper-constraints (2026.2 had only master's in August 2026).
SUPPORTED = ("2025.1", "2025.2", "2026.1")
# The newest supported series, a SLURP release (docs/releases.md)
DEFAULT = "2026.1"

# The Debian releases (major version: its python3) each series installs and runs on. Every
# series' constraints resolve to wheels for Python 3.11 and 3.13, and each series is
# deployed on both in the default test run (docs/support-matrix.md).
DEBIAN_PYTHON = {"12": "3.11", "13": "3.13"}
SERIES_DEBIAN = {"2025.1": ("12", "13"), "2025.2": ("12", "13"), "2026.1": ("12", "13")}

# memcached over TLS (osapi_wsgi_memcached_tls): the series whose keystonemiddleware has the
# memcache_tls_* options (10.12.1 of 2025.2 has them, 10.9.1 of 2025.1 does not: its token
# cache would talk plain to a memcached that speaks TLS only)
MEMCACHED_TLS_SERIES = ("2025.2", "2026.1")


def memcached_tls_supported(series):
    """Whether a series' services can reach memcached over TLS (MEMCACHED_TLS_SERIES)."""
    return str(series) in MEMCACHED_TLS_SERIES


# Packages the collection installs outside or above (or below) a series' upper-constraints,
# by their normalized name: {name: {"requirement": what pip installs instead of the
# constraint, "series": the series it applies to, "services": the only services whose venvs
# it applies to (absent: every service's), "why": the reason}}. Prefer the constraints: an
# entry belongs here only when a test shows that the constrained version does not work.
# tests/unit/plugins/filter/test_series.py checks every entry (a reason, a real change) and
# that every package the collection installs is constrained or listed here.
CONSTRAINT_EXCEPTIONS = {
    "oslo-db": {
        "requirement": "oslo.db===17.4.0", "series": ["2026.1"], "services": ["zun"],
        "why": "zun 17.0.0, 2026.1's release, still calls oslo_db.sqlalchemy.session.enginefacade, which oslo.db"
               " 18.0.0 (2026.1's constraint) no longer has: zun-db-manage upgrade fails (catalog scenario);"
               " 17.4.0 is 2025.2's constraint and has it",
    },
}

CONSTRAINTS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                               "roles", "osapi_wsgi", "files", "upper-constraints")
EXACT = re.compile(r"^[0-9]+(\.[0-9]+)*$")
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_VENDORED = {}


class SeriesError(Exception):
    """Input the series logic cannot work with (a bug in the caller, not a bad setting)."""


def normalize(name):
    """A distribution name as PEP 503 compares them (PyMySQL, pymysql -> pymysql)."""
    return re.sub(r"[-_.]+", "-", str(name)).lower()


def requirement_name(requirement):
    """The distribution a requirement string names ('gunicorn==25.2.0' -> 'gunicorn')."""
    match = _NAME.match(str(requirement))
    return normalize(match.group(1)) if match else ""


def check_series(series):
    """The series is one the collection supports."""
    if str(series) not in SUPPORTED:
        return ["osapi_wsgi_openstack_series is '%s': set it to one of the supported series %s (default %s;"
                " docs/releases.md)." % (series, ", ".join(SUPPORTED), DEFAULT)]
    return []


def check_platform(series, distribution, major):
    """The series runs on this host's Debian release (its Python)."""
    if distribution != "Debian" or str(series) not in SERIES_DEBIAN or major is None:
        return []
    if str(major) in DEBIAN_PYTHON and str(major) not in SERIES_DEBIAN[str(series)]:
        return ["osapi_wsgi_openstack_series is '%s', which does not install on Debian %s (Python %s): its"
                " upper-constraints support %s. Choose a series that does (%s), or deploy on %s."
                % (series, major, DEBIAN_PYTHON[str(major)],
                   ", ".join("Python %s" % DEBIAN_PYTHON[item] for item in SERIES_DEBIAN[str(series)]),
                   ", ".join(name for name, majors in SERIES_DEBIAN.items() if str(major) in majors) or "none",
                   " or ".join("Debian %s" % item for item in SERIES_DEBIAN[str(series)]))]
    return []


def release_for(entry, service, series, version="", outside=False):
    """(release, errors): the exact release of the service a deployment of `series` runs.

    version: the operator's <service>_version ('' = the catalog's release of the series);
    outside: the service is in osapi_wsgi_versions_outside_series, which allows a version the
    catalog does not list for the series."""
    table = {str(key): str(value) for key, value in (entry.get("releases") or {}).items()}
    version = str(version or "").strip()
    var = "%s_version" % service
    if str(series) not in SUPPORTED:
        return "", check_series(series)
    if not version:
        if str(series) not in table:
            return "", ["%s has no release of series %s in the catalog (roles/osapi_wsgi/vars/catalog.yml, %s"
                        " releases: %s): set %s to an exact release and add %s to"
                        " osapi_wsgi_versions_outside_series." % (service, series, service,
                                                                  ", ".join(sorted(table)) or "none", var, service)]
        return table[str(series)], []
    if version.startswith("=="):
        version = version[2:].strip()
    if not EXACT.match(version):
        return "", ["%s is '%s': set it to an exact release such as %s, or '' for the release of series %s (%s)."
                    % (var, version, table.get(str(series), "30.0.0"), series, table.get(str(series), "none"))]
    if version != table.get(str(series)) and not outside:
        return "", ["%s is %s, which is not the catalog's release of series %s (%s). To run a release outside the"
                    " series on purpose, also add %s to osapi_wsgi_versions_outside_series; else leave %s unset."
                    % (var, version, series, table.get(str(series), "none"), service, var)]
    return version, []


def series_of(entry, version):
    """The series whose release of the service has the same major version, or None."""
    major = str(version or "").split(".", maxsplit=1)[0]
    for name, release in sorted((entry.get("releases") or {}).items()):
        if str(release).split(".", maxsplit=1)[0] == major and major:
            return str(name)
    return None


def constraints_file(series):
    """The vendored upper-constraints of a supported series (path)."""
    if str(series) not in SUPPORTED:
        raise SeriesError("no upper-constraints for series %r (supported: %s)" % (series, ", ".join(SUPPORTED)))
    return os.path.join(CONSTRAINTS_DIR, "%s.txt" % series)


def _vendored(series):
    """The vendored file's text, read once per file version (the engine asks for it in every
    template that names the install key)."""
    path = constraints_file(series)
    stamp = os.stat(path).st_mtime_ns
    cached = _VENDORED.get(path)
    if not cached or cached[0] != stamp:
        with open(path, encoding="utf-8") as handle:
            cached = _VENDORED[path] = (stamp, handle.read())
    return cached[1]


def constraint_lines(text):
    """{normalized name: [lines]} of a constraints file (a name may have one line per marker)."""
    out = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            out.setdefault(requirement_name(line), []).append(line)
    return out


def exceptions_for(series, service=None):
    """The CONSTRAINT_EXCEPTIONS that apply to a series (and a service's venv): {name: requirement}."""
    return {name: item["requirement"] for name, item in sorted(CONSTRAINT_EXCEPTIONS.items())
            if str(series) in item.get("series", SUPPORTED)
            and ("services" not in item or service in item["services"])}


def constraints_text(series, service=None):
    """The constraints pip gets for a series (in a service's venv): the vendored file, each
    excepted package's lines replaced by the collection's requirement (with its reason as a
    comment)."""
    text = _vendored(series)
    excepted = exceptions_for(series, service)
    lines = [line for line in text.splitlines() if requirement_name(line) not in excepted
             or line.lstrip().startswith("#") or not line.strip()]
    for name, requirement in excepted.items():
        lines.append("# osapi.wsgi exception: %s" % CONSTRAINT_EXCEPTIONS[name]["why"])
        lines.append(requirement)
    return "\n".join(lines) + "\n"


def pip_constraints(series, custom="", service=None):
    """What the engine hands pip as --constraint: {file (the host path's base name, or the
    operator's path or URL), text (what the engine writes there; None for the operator's own),
    digest (12 hex digits: part of the install key, so that other constraints build another
    venv)}. custom: osapi_wsgi_pip_constraints (empty: the series' vendored file, with the
    exceptions that apply to the service)."""
    custom = str(custom or "").strip()
    if custom:
        return {"file": custom, "text": None, "digest": hashlib.sha1(custom.encode("utf-8")).hexdigest()[:12],
                "series": str(series)}
    if str(series) not in SUPPORTED:
        return {"file": "", "text": None, "digest": "", "series": str(series)}
    text = constraints_text(series, service)
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    return {"file": "upper-constraints-%s-%s.txt" % (series, digest), "text": text, "digest": digest,
            "series": str(series)}


def check_deployed(svc, recorded, packages_key, change_allowed=False):
    """A plain deploy never changes a deployed service's series, release or package set:
    recorded is the host registry's entry of the service (empty: not deployed here yet);
    packages_key the install key's digest (requirements and constraints); change_allowed:
    playbooks/upgrade.yml or rollback.yml deploys the release."""
    if not recorded or change_allowed or not recorded.get("venv"):
        return []
    name = svc["name"]
    was = {"series": recorded.get("series"), "version": recorded.get("version"), "packages": recorded.get("packages")}
    now = {"series": svc.get("series"), "version": svc.get("version"), "packages": packages_key}
    if was == now:
        return []
    if was["series"] is None and was["packages"] is None:
        what = ("%s runs %s, deployed by an osapi.wsgi release that recorded no series" % (name, was["version"] or "?"))
    elif was["series"] != now["series"] or was["version"] != now["version"]:
        what = "%s runs %s of series %s; this deploy would install %s of series %s" % (
            name, was["version"], was["series"], now["version"], now["series"])
    else:
        what = ("%s %s would get another package set (its extra packages, the collection's own pins or the"
                " constraints changed)" % (name, now["version"]))
    return ["%s. A plain deploy never changes a deployed service's release or packages: run playbooks/upgrade.yml"
            " (-e osapi_wsgi_upgrade_service=%s) to move it, or set osapi_wsgi_openstack_series / %s_version /"
            " %s_pip_extra_packages back to what it runs." % (what, name, name, name)]


def package_set_errors(registries):
    """Every node of a service runs the same packages: registries is {node: that host's
    registry ({service: entry}, the local fact osapi_wsgi)}; the nodes of a service are those
    whose registry has it with an installed_digest. Returns a message per service whose
    nodes differ (their series, release and package digest)."""
    nodes = {}
    for node, registry in sorted((registries or {}).items()):
        for service, entry in sorted((registry if isinstance(registry, dict) else {}).items()):
            if isinstance(entry, dict) and entry.get("installed_digest"):
                nodes.setdefault(service, {})[node] = "%s %s (series %s, packages %s)" % (
                    node, entry.get("version"), entry.get("series"), entry["installed_digest"])
    errors = []
    for service, seen in sorted(nodes.items()):
        digests = set(line.split(" ", 1)[1] for line in seen.values())
        if len(digests) > 1:
            errors.append("%s: the nodes run different package sets: %s. Every node of a service must run the"
                          " same series and packages: deploy the same settings on each, or move them together"
                          " with playbooks/upgrade.yml." % (service, "; ".join(seen[node] for node in sorted(seen))))
    return errors
