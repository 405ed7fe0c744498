"""Every role documents its public variables: meta/argument_specs.yml matches defaults/main.yml.

- each variable in defaults/main.yml is an option of the `main` entry point, with the same
  default (compared as data, Jinja strings included);
- each option that declares a default appears in defaults/main.yml;
- a default that is a mapping of five or more lines (a service's config, HAProxy's timeouts)
  is kept once, in defaults/main.yml: its spec declares no default and its description
  says where the default is;
- options without a default are either required or deliberately optional;
- private variables (__*) never appear in defaults.
"""
from __future__ import annotations

import pathlib

import pytest
import yaml

from ansible_collections.osapi.wsgi.plugins.plugin_utils import catalog as osapi_catalog
from ansible_collections.osapi.wsgi.plugins.plugin_utils import engine

ROLES = pathlib.Path(__file__).resolve().parents[3] / "roles"
ROLE_DIRS = sorted(p for p in ROLES.iterdir() if (p / "defaults" / "main.yml").exists())


def load(path: pathlib.Path):
    with path.open() as handle:
        return yaml.safe_load(handle) or {}


def structured(value) -> bool:
    """A default kept only in defaults/main.yml: a mapping of five or more YAML lines."""
    return isinstance(value, dict) and len(yaml.safe_dump(value).splitlines()) >= 5


def test_roles_found():
    assert len(ROLE_DIRS) >= 3, ROLE_DIRS


@pytest.mark.parametrize("role", ROLE_DIRS, ids=lambda p: p.name)
def test_defaults_match_argument_specs(role: pathlib.Path):
    defaults = load(role / "defaults" / "main.yml")
    specs = load(role / "meta" / "argument_specs.yml")["argument_specs"]["main"]["options"]

    undocumented = sorted(set(defaults) - set(specs))
    assert not undocumented, f"{role.name}: defaults without argument_specs entry: {undocumented}"

    for name, option in specs.items():
        if "default" in option:
            assert not structured(option["default"]), (
                f"{role.name}: the default of {name} is a mapping of five or more lines: keep it only in "
                f"defaults/main.yml and say so in the description")
            assert name in defaults, f"{role.name}: {name} has a default in argument_specs but not in defaults/main.yml"
            assert option["default"] == defaults[name], (
                f"{role.name}: default of {name} differs: argument_specs={option['default']!r} "
                f"defaults/main.yml={defaults[name]!r}"
            )
        elif name in defaults:
            assert structured(defaults[name]) and "defaults/main.yml" in option.get("description", ""), (
                f"{role.name}: {name} is in defaults/main.yml but its spec has no default (only a mapping of "
                f"five or more lines may leave it out, with a description naming defaults/main.yml)")
        assert option.get("description"), f"{role.name}: {name} has no description"

    private = [name for name in defaults if name.startswith("__")]
    assert not private, f"{role.name}: private variables belong in vars/: {private}"


@pytest.mark.parametrize("role", [p for p in ROLE_DIRS if p.name != "osapi_wsgi"], ids=lambda p: p.name)
def test_service_role_variables_are_prefixed(role: pathlib.Path):
    defaults = load(role / "defaults" / "main.yml")
    stray = [name for name in defaults if not name.startswith(role.name + "_")]
    assert not stray, f"{role.name}: variables must start with {role.name}_: {stray}"


def test_every_catalog_service_has_a_role_and_a_place_in_the_deploy_order():
    catalog = osapi_catalog.load()
    order = osapi_catalog.deploy_order(catalog)
    assert sorted(order) == sorted(catalog), "the deploy order must list every catalog service once"
    assert order[0] == "keystone"
    for name in catalog:
        assert (ROLES / name / "tasks" / "main.yml").exists(), f"catalog service {name} has no role"


@pytest.mark.parametrize("role", [p for p in ROLE_DIRS if (p / "meta" / "argument_specs.yml").exists()
                                  and p.name.replace("_", "-") != "osapi-wsgi"], ids=lambda p: p.name)
def test_service_role_modes_are_the_engines(role: pathlib.Path):
    """A service role offers exactly the modes the engine supports for it (one rule:
    engine.supported_modes, eventlet only where every API has a standalone server)."""
    catalog = osapi_catalog.load()
    specs = load(role / "meta" / "argument_specs.yml")["argument_specs"]["main"]["options"]
    name = role.name
    if name not in catalog:
        pytest.skip("not a service role")
    svc = dict(catalog[name], name=name)
    assert specs[f"{name}_wsgi_mode"]["choices"] == engine.supported_modes(svc)
    # what ansible-doc -t role prints says the same: one line names the modes, no text names fewer
    description = load(role / "meta" / "argument_specs.yml")["argument_specs"]["main"]["description"]
    assert ("Serving modes (I(%s_wsgi_mode)): %s. Release: the catalog's release of I(osapi_wsgi_openstack_series)."
            % (name, ", ".join(engine.supported_modes(svc)))) in description
    text = " ".join(description)
    assert "uWSGI or mod_wsgi" not in text and "or with Apache mod_wsgi" not in text, name


def test_the_collection_s_descriptions_name_every_mode():
    """galaxy.yml and the README's mode table name every mode the engine has."""
    root = ROLES.parent
    galaxy = load(root / "galaxy.yml")["description"]
    for words in ("uWSGI", "mod_wsgi", "gunicorn", "standalone server"):
        assert words in galaxy, words
    readme = (root / "README.md").read_text()
    for mode in engine.MODES:
        assert "| `%s`" % mode in readme, mode


@pytest.mark.parametrize("name", sorted(osapi_catalog.load()))
def test_every_service_role_declares_what_the_engine_reads(name):
    """The engine reads a service role's inputs through the osapi.wsgi.service_settings lookup
    (engine.SETTINGS); each of them is an option of the role's main entry point."""
    specs = load(ROLES / name / "meta" / "argument_specs.yml")["argument_specs"]["main"]["options"]
    undeclared = ["%s_%s" % (name, setting) for setting in engine.SETTINGS if "%s_%s" % (name, setting) not in specs]
    assert not undeclared, undeclared
