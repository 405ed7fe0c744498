"""OpenStack series (plugins/plugin_utils/series.py): the catalog's releases, the vendored
upper-constraints and the collection's exceptions to them, the refusals of releases and of a
plain deploy that would change one, from the real catalog and role defaults."""
from __future__ import annotations

import pathlib
import re

import pytest
import yaml

from ansible_collections.osapi.wsgi.plugins.filter.series import FilterModule
from ansible_collections.osapi.wsgi.plugins.plugin_utils import catalog as osapi_catalog
from ansible_collections.osapi.wsgi.plugins.plugin_utils import series

REPO = pathlib.Path(__file__).resolve().parents[4]
CATALOG = osapi_catalog.load()
ENGINE_DEFAULTS = yaml.safe_load((REPO / "roles" / "osapi_wsgi" / "defaults" / "main.yml").read_text())


def installed_by_the_collection():
    """Every requirement the collection puts into a venv besides the service itself: the
    cloud packages, gunicorn's, and each role's default extra packages."""
    out = list(ENGINE_DEFAULTS["osapi_wsgi_pip_cloud_packages"]) + list(ENGINE_DEFAULTS["osapi_wsgi_gunicorn_packages"])
    for name in CATALOG:
        defaults = yaml.safe_load((REPO / "roles" / name / "defaults" / "main.yml").read_text())
        out.extend(defaults.get("%s_pip_extra_packages" % name) or [])
    return sorted(set(out))


def test_the_default_series_is_the_newest_supported_and_a_slurp():
    assert series.DEFAULT == series.SUPPORTED[-1] == ENGINE_DEFAULTS["osapi_wsgi_openstack_series"]
    assert series.DEFAULT.endswith(".1")
    spec = yaml.safe_load((REPO / "roles" / "osapi_wsgi" / "meta" / "argument_specs.yml").read_text())
    options = spec["argument_specs"]["main"]["options"]
    assert options["osapi_wsgi_openstack_series"]["choices"] == list(series.SUPPORTED)
    assert options["osapi_wsgi_openstack_series"]["default"] == series.DEFAULT


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_every_service_names_one_exact_release_per_supported_series(name):
    releases = {str(key): str(value) for key, value in CATALOG[name]["releases"].items()}
    assert sorted(releases) == list(series.SUPPORTED), name
    for value in releases.values():
        assert re.match(r"^[0-9]+\.[0-9]+\.[0-9]+$", value), (name, value)
    # a later series never runs an older release; a series has one major version
    majors = [tuple(int(part) for part in releases[item].split(".")) for item in series.SUPPORTED]
    assert majors == sorted(majors), name
    if name != "gnocchi":  # gnocchi follows its own cycle: one release for every series
        assert len(set(version[0] for version in majors)) == len(majors), name
        for item in series.SUPPORTED:
            assert series.series_of(CATALOG[name], releases[item]) == item


@pytest.mark.parametrize("name", series.SUPPORTED)
def test_the_vendored_constraints_name_their_branch_and_commit(name):
    text = pathlib.Path(series.constraints_file(name)).read_text()
    head = text.splitlines()[:4]
    assert "openstack/requirements" in head[0]
    assert re.search(r"branch stable/%s, file upper-constraints.txt, commit [0-9a-f]{40} \(" % re.escape(name), head[1])
    shared = REPO.parent / "shared" / "upstream" / "upper-constraints" / ("%s.txt" % name)
    if shared.exists():  # the upstream copy beside the repository (../shared): unchanged below the header
        assert text.split("\n", 4)[4] == shared.read_text()


def test_uv_is_pinned_apart_from_the_constraints():
    """uv (osapi_wsgi_pip_installer) lives in its own venv, at the one release the defaults name:
    no series constrains it, so its pin is exact."""
    assert re.match(r"^[0-9]+\.[0-9]+\.[0-9]+$", ENGINE_DEFAULTS["osapi_wsgi_uv_version"])
    assert ENGINE_DEFAULTS["osapi_wsgi_pip_installer"] == "uv"
    for name in series.SUPPORTED:
        assert "uv" not in series.constraint_lines(series.constraints_text(name)), name


def test_no_service_package_is_in_the_constraints():
    """The catalog pins each service itself; upper-constraints list libraries only."""
    for name in series.SUPPORTED:
        constrained = series.constraint_lines(pathlib.Path(series.constraints_file(name)).read_text())
        clash = [svc for svc, entry in CATALOG.items() if series.normalize(entry["package"]) in constrained]
        assert clash == [], (name, clash)


@pytest.mark.parametrize("name", series.SUPPORTED)
def test_everything_the_collection_installs_is_constrained_or_a_listed_exception(name):
    constrained = series.constraint_lines(series.constraints_text(name))
    for requirement in installed_by_the_collection():
        package = series.requirement_name(requirement)
        assert package in constrained, (name, requirement)
        # the collection gives names only: the version is the constraints' (or the exception's)
        assert requirement.strip() == re.match(r"^\s*[A-Za-z0-9._-]+", requirement).group(0).strip(), requirement


def test_every_exception_says_why_and_changes_something():
    for package, item in series.CONSTRAINT_EXCEPTIONS.items():
        assert package == series.normalize(package)
        assert series.requirement_name(item["requirement"]) == package
        assert len(item["why"]) > 20, package
        for name in item.get("series", series.SUPPORTED):
            vendored = series.constraint_lines(pathlib.Path(series.constraints_file(name)).read_text())
            assert vendored.get(package) != [item["requirement"]], (package, name, "no change")


def test_an_exception_of_some_services_applies_to_their_venvs_only():
    for item in series.CONSTRAINT_EXCEPTIONS.values():
        assert set(item.get("services", [])) <= set(CATALOG)
    zun = series.constraint_lines(series.constraints_text("2026.1", "zun"))
    assert zun["oslo-db"] == ["oslo.db===17.4.0"]
    assert series.constraint_lines(series.constraints_text("2026.1", "keystone"))["oslo-db"] == ["oslo.db===18.0.0"]
    assert series.pip_constraints("2026.1", "", "zun")["file"] != series.pip_constraints("2026.1", "", "keystone")["file"]
    assert series.pip_constraints("2026.1", "", "keystone") == series.pip_constraints("2026.1", "", "nova")


def test_the_exceptions_replace_the_constraint_lines(monkeypatch):
    monkeypatch.setitem(series.CONSTRAINT_EXCEPTIONS, "gunicorn",
                        {"requirement": "gunicorn==27.0.1", "series": ["2026.1"], "why": "a test of the mechanism"})
    text = series.constraints_text("2026.1")
    assert series.constraint_lines(text)["gunicorn"] == ["gunicorn==27.0.1"]
    assert "# osapi.wsgi exception: a test of the mechanism" in text
    assert series.constraint_lines(series.constraints_text("2025.2"))["gunicorn"] == ["gunicorn===23.0.0"]
    assert series.pip_constraints("2026.1")["digest"] != series.pip_constraints("2025.2")["digest"]


def test_pip_constraints_are_the_series_file_or_the_operators():
    own = series.pip_constraints("2026.1")
    assert own["file"] == "upper-constraints-2026.1-%s.txt" % own["digest"] and "SQLAlchemy===2.0.46" in own["text"]
    assert series.pip_constraints("2026.1") == own  # the same file every time
    custom = series.pip_constraints("2026.1", "https://example.invalid/uc.txt")
    assert custom["file"] == "https://example.invalid/uc.txt" and custom["text"] is None and custom["digest"]
    with pytest.raises(series.SeriesError):
        series.constraints_file("2026.2")


@pytest.mark.parametrize("version,outside,release,words", [
    ("", False, "29.1.0", []),
    ("29.1.0", False, "29.1.0", []),
    ("==29.1.0", False, "29.1.0", []),
    ("29.0.2", True, "29.0.2", []),
    ("29.0.2", False, "", ["keystone_version is 29.0.2", "series 2026.1 (29.1.0)", "osapi_wsgi_versions_outside_series"]),
    (">=29", True, "", ["keystone_version is '>=29'", "exact release"]),
])
def test_the_release_of_the_series_or_an_explicit_one(version, outside, release, words):
    got, errors = series.release_for(CATALOG["keystone"], "keystone", "2026.1", version, outside)
    assert got == release
    for word in words:
        assert word in " ".join(errors)
    assert bool(errors) == bool(words)


def test_each_supported_series_has_its_release_and_another_is_refused():
    assert series.release_for(CATALOG["placement"], "placement", "2025.1")[0] == "13.0.1"
    assert series.release_for(CATALOG["keystone"], "keystone", "2025.2")[0] == "28.1.0"
    _release, errors = series.release_for(CATALOG["keystone"], "keystone", "2024.2")
    assert "osapi_wsgi_openstack_series is '2024.2'" in errors[0] and "2026.1" in errors[0]


def test_a_series_runs_on_the_debian_releases_it_installs_on(monkeypatch):
    assert series.check_platform("2025.1", "Debian", "13") == []
    monkeypatch.setitem(series.SERIES_DEBIAN, "2025.1", ("12",))
    errors = series.check_platform("2025.1", "Debian", "13")
    assert "does not install on Debian 13 (Python 3.13)" in errors[0] and "Debian 12" in errors[0]


def test_nodes_of_a_service_must_run_the_same_packages():
    same = {"api1": {"keystone": {"installed_digest": "a", "version": "29.1.0", "series": "2026.1"}},
            "api2": {"keystone": {"installed_digest": "a", "version": "29.1.0", "series": "2026.1"}},
            "lb": {}}
    assert series.package_set_errors(same) == []
    differ = dict(same, api2={"keystone": {"installed_digest": "b", "version": "29.1.0", "series": "2026.1"},
                              "placement": {"installed_digest": "c"}})
    errors = series.package_set_errors(differ)
    assert len(errors) == 1 and "keystone: the nodes run different package sets" in errors[0]
    assert "api1 29.1.0 (series 2026.1, packages a)" in errors[0] and "packages b" in errors[0]


def test_a_plain_deploy_keeps_what_runs_and_an_upgrade_may_change_it():
    svc = {"name": "keystone", "series": "2026.1", "version": "29.1.0"}
    recorded = {"venv": "/opt/openstack/keystone-28.1.0-0a1b2c3d", "version": "28.1.0", "series": "2025.2",
                "packages": "k1"}
    assert "playbooks/upgrade.yml" in series.check_deployed(svc, recorded, "k2")[0]
    assert series.check_deployed(svc, recorded, "k2", change_allowed=True) == []
    assert series.check_deployed(svc, {}, "k2") == []  # a first install
    assert series.check_deployed(svc, dict(recorded, version="29.1.0", series="2026.1", packages="k2"), "k2") == []


def test_the_filters():
    assert set(FilterModule().filters()) == {"pip_constraints", "release_for", "package_set_errors",
                                             "memcached_tls_supported"}
    assert [series.memcached_tls_supported(name) for name in series.SUPPORTED] == [False, True, True]
