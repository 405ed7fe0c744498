"""tempest against a deployment: which tests, tempest.conf, and the results per service.

- which tests: the ``tempest`` key of each deployed service in the catalog
  (roles/osapi_wsgi/vars/catalog.yml): ``include`` regexes of test ids and ``exclude``
  regexes with the reason each excluded test cannot pass (selection, run_filters);
- tempest.conf from the deployment's facts (Deployment, tempest_conf): keystone's URL, the
  admin credentials, the region, which services are available, and feature flags read
  from the services' deployed config files;
- the results: the subunit stream of the run read into one record per test (read_subunit,
  which needs python-subunit: run ``python tempest_suite.py results < stream`` with the
  tempest venv's interpreter, $OSAPI_TEMPEST/python) and counted per service (summarize).

molecule/shared/tests/test_tempest.py runs tempest with it, scripts/gen-tempest-doc.py
writes docs/tempest.md from the counts, tests/unit/tempest tests it.
"""
from __future__ import annotations

import configparser
import dataclasses
import functools
import io
import json
import re
import sys

# catalog service -> tempest's [service_available] name (services tempest or an installed
# plugin tests: barbican-tempest-plugin's option defaults to true, so it is always written)
AVAILABLE = {"keystone": None, "glance": "glance", "nova": "nova", "neutron": "neutron", "cinder": "cinder",
             "barbican": "barbican"}
# tempest's own services that no catalog service provides here
NEVER_AVAILABLE = ("swift", "horizon")
# tempest's [enforce_scope] names
SCOPED = ("keystone", "glance", "nova", "neutron", "cinder", "placement")
# catalog service -> tempest's config group with the service's catalog_type
CATALOG_TYPE_GROUP = {"keystone": "identity", "glance": "image", "nova": "compute", "neutron": "network",
                      "cinder": "volume", "placement": "placement", "barbican": "key_manager"}

PASSED = ("success", "xfail")
SKIPPED = ("skip",)
IGNORED = ("exists",)  # listed, not run
# a class whose setUpClass failed or skipped is reported under this id
CLASS_FIXTURE = re.compile(r"^(?:setUpClass|tearDownClass) \((?P<cls>[^)]+)\)$")


class SuiteError(ValueError):
    """The catalog's tempest key or the deployment's facts cannot make a tempest run."""


def selection(catalog: dict, services) -> dict:
    """{service: {"include": [regex, ...], "exclude": {regex: why}}} for each deployed service
    that names tempest tests in the catalog, in catalog order."""
    chosen = {}
    for service in catalog:
        if service not in services or "tempest" not in catalog[service]:
            continue
        where = f"the catalog's {service}.tempest (roles/osapi_wsgi/vars/catalog.yml)"
        spec = catalog[service]["tempest"]
        include = spec.get("include") if isinstance(spec, dict) else None
        exclude = (spec.get("exclude") or {}) if isinstance(spec, dict) else None
        if not include or not isinstance(include, list) or not all(isinstance(item, str) and item for item in include):
            raise SuiteError(f"{where}: include must be a non-empty list of regexes of tempest test ids")
        if not isinstance(exclude, dict) or not all(isinstance(why, str) and why.strip() for why in exclude.values()):
            raise SuiteError(f"{where}: exclude must map each regex to the reason those tests cannot pass")
        unknown = sorted(set(spec) - {"include", "exclude"})
        if unknown:
            raise SuiteError(f"{where}: unknown keys {unknown} (known: include, exclude)")
        for pattern in [*include, *exclude]:
            try:
                re.compile(pattern)
            except re.error as error:
                raise SuiteError(f"{where}: {pattern!r} is not a regex: {error}") from error
        chosen[service] = {"include": list(include), "exclude": dict(exclude)}
    return chosen


def join(patterns) -> str | None:
    """One regex matching any of the patterns (None for none)."""
    patterns = list(patterns)
    return "|".join(f"(?:{pattern})" for pattern in patterns) if patterns else None


def run_filters(chosen: dict) -> tuple[str, str | None]:
    """tempest run's --regex and --exclude-regex for a selection."""
    if not chosen:
        raise SuiteError("no deployed service names tempest tests in the catalog (key tempest)")
    return (join(p for spec in chosen.values() for p in spec["include"]),
            join(p for spec in chosen.values() for p in spec["exclude"]))


def test_class(test_id: str) -> str:
    """The test id without tempest's ``[id-...,smoke]`` attributes, a class fixture's id as its class."""
    fixture = CLASS_FIXTURE.match(test_id)
    return fixture.group("cls") if fixture else test_id.split("[", 1)[0]


def service_of(test_id: str, chosen: dict) -> str | None:
    """The service whose include regexes select a test (stestr's re.search), None when none."""
    name = test_class(test_id)
    for service, spec in chosen.items():
        if any(re.search(pattern, name) for pattern in spec["include"]):
            return service
    return None


def status_group(status: str) -> str | None:
    if status in IGNORED:
        return None
    if status in PASSED:
        return "passed"
    if status in SKIPPED:
        return "skipped"
    return "failed"  # fail, uxsuccess, and a test that never finished (inprogress, unknown)


def empty_counts() -> dict:
    return {"passed": 0, "failed": 0, "skipped": 0, "skips": {}, "skipped_classes": {}, "failures": []}


def summarize(results, chosen: dict) -> dict:
    """Counts per service: {service: {passed, failed, skipped, skips: {reason: n},
    skipped_classes: {reason: [test class]}, failures: [id]}}; tests no service selected go
    under the key ``None`` (a selection error)."""
    summary = {service: empty_counts() for service in chosen}
    for record in results:
        group = status_group(record["status"])
        if group is None:
            continue
        counts = summary.setdefault(service_of(record["id"], chosen), empty_counts())
        counts[group] += 1
        if group == "skipped":
            reason = " ".join((record.get("reason") or "no reason given").split())
            counts["skips"][reason] = counts["skips"].get(reason, 0) + 1
            test = test_class(record["id"])
            # a test method's class, or the class a class fixture names
            owner = test if CLASS_FIXTURE.match(record["id"]) else test.rsplit(".", 1)[0]
            counts["skipped_classes"].setdefault(reason, set()).add(owner.removeprefix("tempest.api."))
        elif group == "failed":
            counts["failures"].append(record["id"])
    for counts in summary.values():
        counts["skips"] = dict(sorted(counts["skips"].items(), key=lambda item: (-item[1], item[0])))
        counts["skipped_classes"] = {reason: sorted(counts["skipped_classes"][reason]) for reason in counts["skips"]}
        counts["failures"].sort()
    return summary


# --- tempest.conf -------------------------------------------------------------------------

def truth(value, default: bool) -> bool:
    """A boolean oslo.config option from an ini value (None: the option's default)."""
    if value is None:
        return default
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise SuiteError(f"{value!r} is not a boolean")


@dataclasses.dataclass
class Deployment:
    """What tempest needs to know about a deployment.

    identity_url   keystone's public URL as registered in its catalog (…/identity)
    admin_password keystone's bootstrap admin's password (written to tempest.conf only)
    services       the catalog services deployed
    service_types  {service: the type keystone's catalog lists its API as} (tempest's
                   defaults differ: cinder is ``block-storage`` there, ``volumev3`` here)
    configs        {service: {section: {option: value}}}: the deployed config files, read
                   for the feature flags (parse_ini)
    cafile         the CA that signs the APIs' certificate (https), if any
    extra          {section: {option: value}} set last: what the run made before tempest
                   starts (e.g. the flavors and image compute tests need)
    """

    identity_url: str
    admin_password: str
    services: list
    configs: dict = dataclasses.field(default_factory=dict)
    service_types: dict = dataclasses.field(default_factory=dict)
    region: str = "RegionOne"
    admin_user: str = "admin"
    admin_project: str = "admin"
    admin_domain: str = "Default"
    cafile: str | None = None
    extra: dict = dataclasses.field(default_factory=dict)

    def option(self, service: str, section: str, option: str):
        return ((self.configs.get(service) or {}).get(section) or {}).get(option)


def parse_ini(text: str) -> dict:
    """{section: {option: value}} of an oslo.config file (DEFAULT as its own section)."""
    parser = configparser.RawConfigParser(strict=False, interpolation=None, default_section="__none__")
    parser.optionxform = str
    parser.read_string(text)
    return {section: dict(parser.items(section)) for section in parser.sections()}


def identity_flags(deployment: Deployment) -> dict:
    option = functools.partial(deployment.option, "keystone")
    flags = {"identity-feature-enabled": {
        "domain_specific_drivers": truth(option("identity", "domain_specific_drivers_enabled"), False),
        # tempest reads the lockout and password history settings only when this is on
        "security_compliance": option("security_compliance", "lockout_failure_attempts") is not None,
    }, "identity": {}}
    for keystone, tempest in (("lockout_failure_attempts", "user_lockout_failure_attempts"),
                              ("lockout_duration", "user_lockout_duration"),
                              ("unique_last_password_count", "user_unique_last_password_count"),
                              ("minimum_password_age", "user_minimum_password_age")):
        if option("security_compliance", keystone) is not None:
            flags["identity"][tempest] = option("security_compliance", keystone)
    return flags


def image_flags(deployment: Deployment) -> dict:
    option = functools.partial(deployment.option, "glance")
    backends = option("DEFAULT", "enabled_backends") or ""
    stores = {item.split(":", 1)[-1].strip() for item in backends.split(",") if item.strip()}
    image = {}
    if option("DEFAULT", "hashing_algorithm"):
        image["hashing_algorithm"] = option("DEFAULT", "hashing_algorithm")
    return {"image": image, "image-feature-enabled": {
        "do_secure_hash": truth(option("DEFAULT", "do_secure_hash"), True),
        "http_store_enabled": "http" in stores,
        "manage_locations": truth(option("DEFAULT", "show_multiple_locations"), False),
        "image_conversion": bool(option("image_conversion", "output_format")),
        "image_caching_enabled": bool(option("DEFAULT", "image_cache_dir")),
    }}


# Microversioned APIs: test up to the deployed release's newest.
COMPUTE_REFS = ("flavor_ref", "flavor_ref_alt", "image_ref", "image_ref_alt")


def compute_flags(deployment: Deployment) -> dict:
    # tempest's defaults name flavors and images that a fresh nova and glance do not have
    missing = [name for name in COMPUTE_REFS if not (deployment.extra.get("compute") or {}).get(name)]
    if missing:
        raise SuiteError(f"nova: tempest's compute tests need existing flavors and images: create them before "
                         f"the run and give their ids in Deployment.extra['compute'] {missing}")
    return {"compute": {"max_microversion": "latest"}}


def volume_flags(deployment: Deployment) -> dict:
    return {"volume": {"max_microversion": "latest"},
            # cinder's backup service is a worker this project does not deploy
            "volume-feature-enabled": {"backup": False}}


def network_flags(deployment: Deployment) -> dict:
    return {"network": {"project_networks_reachable": False}}


def key_manager_flags(deployment: Deployment) -> dict:
    # barbican-tempest-plugin's region defaults to "regionOne"
    return {"key_manager": {"region": deployment.region}}


FLAGS = {"keystone": identity_flags, "glance": image_flags, "nova": compute_flags,
         "cinder": volume_flags, "neutron": network_flags, "barbican": key_manager_flags}


def tempest_conf(deployment: Deployment, workspace: str) -> str:
    """tempest.conf for a deployment; tempest writes its log and locks under workspace."""
    if not deployment.admin_password:
        raise SuiteError("no admin password: set keystone_admin_password in the inventory")
    if not re.match(r"^https?://", deployment.identity_url or ""):
        raise SuiteError(f"keystone's URL {deployment.identity_url!r} is not an http(s) URL")
    conf = {
        "DEFAULT": {"debug": False, "use_stderr": False, "log_dir": workspace, "log_file": "tempest.log"},
        "oslo_concurrency": {"lock_path": f"{workspace}/locks"},
        "auth": {
            "use_dynamic_credentials": True,
            # a network, subnet and router per test project need agents and an external network
            "create_isolated_networks": False,
            "admin_username": deployment.admin_user,
            "admin_password": deployment.admin_password,
            "admin_project_name": deployment.admin_project,
            "admin_domain_name": deployment.admin_domain,
            "default_credentials_domain_name": deployment.admin_domain,
        },
        "identity": {
            "uri_v3": deployment.identity_url.rstrip("/") + "/v3",
            "region": deployment.region,
            "v3_endpoint_type": "public",
        },
        "service_available": {name: False for name in NEVER_AVAILABLE},
        "enforce_scope": {},
        "validation": {"run_validation": False},
    }
    if deployment.cafile:
        conf["identity"]["ca_certificates_file"] = deployment.cafile
    for service, name in AVAILABLE.items():
        if name:
            conf["service_available"][name] = service in deployment.services
    for service in deployment.services:
        if service in CATALOG_TYPE_GROUP and deployment.service_types.get(service):
            conf.setdefault(CATALOG_TYPE_GROUP[service], {})["catalog_type"] = deployment.service_types[service]
        for section, options in FLAGS.get(service, lambda d: {})(deployment).items():
            conf.setdefault(section, {}).update(options)
        if service in SCOPED:
            # tempest's [enforce_scope] means the new policy defaults (and scoped tokens)
            # are enforced; oslo.policy's default is on
            conf["enforce_scope"][service] = truth(
                deployment.option(service, "oslo_policy", "enforce_new_defaults"), True)
    for section, options in deployment.extra.items():
        conf.setdefault(section, {}).update(options)
    out = io.StringIO()
    for section, options in conf.items():
        if not options:
            continue
        out.write(f"[{section}]\n")
        for option, value in options.items():
            value = str(value).lower() if isinstance(value, bool) else str(value)
            if "\n" in value:
                raise SuiteError(f"[{section}] {option}: a value on several lines")
            out.write(f"{option} = {value}\n")
        out.write("\n")
    return out.getvalue()


# --- results ------------------------------------------------------------------------------

def read_subunit(stream) -> list:
    """[{id, status, reason}] of a subunit v2 byte stream (``stestr last --subunit``); reason
    is a skip's reason or the end of a failure's traceback. Needs python-subunit (tempest's venv)."""
    import subunit  # pylint: disable=import-outside-toplevel
    import testtools  # pylint: disable=import-outside-toplevel
    records = []

    def on_test(test):
        details = test.get("details") or {}
        key = "reason" if test["status"] == "skip" else "traceback"
        reason = details[key].as_text() if key in details else ""
        records.append({"id": test["id"], "status": test["status"], "reason": reason[-4000:]})
    result = testtools.StreamToDict(on_test)
    result.startTestRun()
    try:
        subunit.ByteStreamToStreamResult(stream, non_subunit_name="stdout").run(result)
    finally:
        result.stopTestRun()
    return records


def main(argv) -> int:
    if argv[1:] == ["results"]:
        json.dump(read_subunit(sys.stdin.buffer), sys.stdout)
        return 0
    print("usage: python tempest_suite.py results < subunit-stream   (prints the results as JSON)", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
