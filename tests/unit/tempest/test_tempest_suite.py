"""tests/tempest/tempest_suite.py: the catalog's tempest selections, tempest.conf from a
deployment's facts, and the results of a real subunit stream counted per service."""
from __future__ import annotations

import configparser
import dataclasses
import importlib.util
import json
import os
import pathlib
import re
import subprocess
import sys
import textwrap

import pytest

from ansible_collections.osapi.wsgi.plugins.plugin_utils import catalog as osapi_catalog

REPO = pathlib.Path(__file__).resolve().parents[3]
SUITE_FILE = REPO / "tests" / "tempest" / "tempest_suite.py"
SPEC = importlib.util.spec_from_file_location("tempest_suite", SUITE_FILE)
suite = importlib.util.module_from_spec(SPEC)
sys.modules[SPEC.name] = suite  # dataclasses look their module up there
SPEC.loader.exec_module(suite)
CATALOG = osapi_catalog.load()

IDENTITY_TEST = "tempest.api.identity.admin.v3.test_users.UsersV3TestJSON.test_update_user_password[id-ad71bd23-12ad-426b-bb8b-195d2b635f27]"
IMAGE_TEST = "tempest.api.image.v2.test_images.BasicOperationsImagesTest.test_delete_image[id-f848bb94-1c6e-45a4-8726-39e3a5b23535,smoke]"


def test_barbican_s_plugin_is_told_barbican_s_catalog_type_and_region():
    deployment = suite.Deployment(identity_url="https://10.0.0.1/identity", admin_password="secret",
                                  services=["keystone", "barbican"], service_types={"barbican": "key-manager"})
    conf = read_conf(suite.tempest_conf(deployment, "/tmp/ws"))
    assert conf["service_available"]["barbican"] == "true"
    assert (conf["key_manager"]["catalog_type"], conf["key_manager"]["region"]) == ("key-manager", "RegionOne")
    without = read_conf(suite.tempest_conf(dataclasses.replace(deployment, services=["keystone"]), "/tmp/ws"))
    assert without["service_available"]["barbican"] == "false"


def read_conf(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    return parser


# --- the catalog's selections ----------------------------------------------------------------

def test_every_tempest_key_of_the_catalog_is_valid():
    chosen = suite.selection(CATALOG, list(CATALOG))
    assert set(chosen) == {"keystone", "glance", "nova", "neutron", "cinder", "barbican"}
    for service, spec in chosen.items():
        for pattern, why in spec["exclude"].items():
            assert len(why.split()) >= 5, f"{service}: exclusion {pattern} needs a reason a reader understands"


def test_selection_keeps_only_deployed_services_in_catalog_order():
    chosen = suite.selection(CATALOG, ["glance", "placement", "keystone"])
    assert list(chosen) == ["keystone", "glance"]
    regex, exclude = suite.run_filters(chosen)
    assert re.search(regex, IDENTITY_TEST) and re.search(regex, IMAGE_TEST)
    assert not re.search(regex, "tempest.api.compute.flavors.test_flavors.FlavorsV2TestJSON.test_list_flavors")
    assert exclude and re.search(exclude, "tempest.api.image.v2.test_images.ImportImagesTest."
                                          "test_image_web_download_import[id-5b2ce43c-456c-4d5c-a7ed-0ffe5ab8e2a9]")
    assert not re.search(exclude, IMAGE_TEST)


def test_no_service_with_tests_is_an_error():
    with pytest.raises(suite.SuiteError, match="no deployed service names tempest tests"):
        suite.run_filters(suite.selection(CATALOG, ["placement"]))


@pytest.mark.parametrize("spec, message", [
    ({"include": []}, "include must be a non-empty list"),
    ({"include": "^tempest"}, "include must be a non-empty list"),
    ({"include": ["^tempest"], "exclude": ["^x"]}, "exclude must map each regex to the reason"),
    ({"include": ["^tempest"], "exclude": {"^x": ""}}, "exclude must map each regex to the reason"),
    ({"include": ["^tempest("]}, "is not a regex"),
    ({"include": ["^tempest"], "exlude": {}}, r"unknown keys \['exlude'\]"),
])
def test_bad_tempest_keys_are_refused_naming_the_service(spec, message):
    catalog = {"glance": {"tempest": spec}}
    with pytest.raises(suite.SuiteError, match=message) as error:
        suite.selection(catalog, ["glance"])
    assert "glance.tempest" in str(error.value)


# --- results per service ---------------------------------------------------------------------

def test_test_ids_map_to_the_service_that_selected_them():
    chosen = suite.selection(CATALOG, ["keystone", "glance"])
    assert suite.service_of(IDENTITY_TEST, chosen) == "keystone"
    assert suite.service_of(IMAGE_TEST, chosen) == "glance"
    assert suite.service_of("setUpClass (tempest.api.image.v2.test_images_formats.ImagesFormatTest)", chosen) == "glance"
    assert suite.service_of("tempest.api.network.test_ports.PortsTestJSON.test_list_ports[id-1]", chosen) is None


def test_summarize_counts_passes_failures_and_skip_reasons():
    chosen = suite.selection(CATALOG, ["keystone", "glance"])
    results = [
        {"id": IDENTITY_TEST, "status": "success"},
        {"id": IMAGE_TEST, "status": "fail", "reason": "Traceback ..."},
        {"id": IMAGE_TEST.replace("delete", "update"), "status": "uxsuccess"},
        {"id": "setUpClass (tempest.api.image.v2.test_images_formats.ImagesFormatTest)", "status": "skip",
         "reason": "Nova is not\n available"},
        {"id": "tempest.api.image.v2.test_images.X.test_a[id-1]", "status": "skip", "reason": "Nova is not available"},
        {"id": "tempest.api.image.v2.test_images.X.test_b[id-2]", "status": "skip", "reason": ""},
        {"id": "tempest.api.image.v2.test_images.X.test_c[id-3]", "status": "exists"},
        {"id": "tempest.api.image.v2.test_images.X.test_d[id-4]", "status": "xfail"},
        {"id": "tempest.api.network.test_ports.PortsTestJSON.test_list_ports[id-5]", "status": "success"},
    ]
    summary = suite.summarize(results, chosen)
    assert summary["keystone"] == {"passed": 1, "failed": 0, "skipped": 0, "skips": {}, "skipped_classes": {},
                                   "failures": []}
    glance = summary["glance"]
    assert (glance["passed"], glance["failed"], glance["skipped"]) == (1, 2, 3)
    assert glance["skips"] == {"Nova is not available": 2, "no reason given": 1}
    assert glance["skipped_classes"] == {
        "Nova is not available": ["image.v2.test_images.X", "image.v2.test_images_formats.ImagesFormatTest"],
        "no reason given": ["image.v2.test_images.X"]}
    assert glance["failures"] == sorted([IMAGE_TEST, IMAGE_TEST.replace("delete", "update")])
    assert summary[None]["passed"] == 1


# --- tempest.conf ------------------------------------------------------------------------------

def deployment(**changes):
    facts = {"identity_url": "http://127.0.0.11/identity", "admin_password": "s3cret pass%word",
             "services": ["keystone", "placement", "glance"],
             "configs": {"keystone": {}, "glance": {"DEFAULT": {"enabled_backends": "fs:file"}}}}
    facts.update(changes)
    return suite.Deployment(**facts)


def test_conf_points_tempest_at_keystone_with_dynamic_credentials(tmp_path):
    conf = read_conf(suite.tempest_conf(deployment(), str(tmp_path)))
    assert conf["identity"]["uri_v3"] == "http://127.0.0.11/identity/v3"
    assert conf["identity"]["region"] == "RegionOne"
    assert conf["auth"]["admin_password"] == "s3cret pass%word"
    assert conf["auth"]["admin_username"] == "admin" and conf["auth"]["admin_project_name"] == "admin"
    assert conf.getboolean("auth", "use_dynamic_credentials")
    assert not conf.getboolean("DEFAULT", "debug"), "debug logs request bodies"
    assert conf["DEFAULT"]["log_dir"] == str(tmp_path)
    assert "ca_certificates_file" not in conf["identity"]
    available = conf["service_available"]
    assert available.getboolean("glance")
    assert not any(available.getboolean(name) for name in ("nova", "neutron", "cinder", "swift", "horizon"))
    assert conf["enforce_scope"].getboolean("glance") and conf["enforce_scope"].getboolean("keystone")
    assert "nova" not in conf["enforce_scope"]


def test_conf_feature_flags_follow_the_deployed_configs(tmp_path):
    configs = {
        "keystone": {"identity": {"domain_specific_drivers_enabled": "True"},
                     "security_compliance": {"lockout_failure_attempts": "3", "lockout_duration": "10"}},
        "glance": {"DEFAULT": {"enabled_backends": "fs:file, web:http", "show_multiple_locations": "true",
                               "do_secure_hash": "false", "hashing_algorithm": "sha256"},
                   "oslo_policy": {"enforce_new_defaults": "false"}},
    }
    conf = read_conf(suite.tempest_conf(deployment(configs=configs, cafile="/etc/ca.pem"), str(tmp_path)))
    identity = conf["identity-feature-enabled"]
    assert identity.getboolean("domain_specific_drivers") and identity.getboolean("security_compliance")
    assert conf["identity"]["user_lockout_failure_attempts"] == "3"
    assert conf["identity"]["user_lockout_duration"] == "10"
    assert "user_unique_last_password_count" not in conf["identity"]
    image = conf["image-feature-enabled"]
    assert image.getboolean("http_store_enabled") and image.getboolean("manage_locations")
    assert not image.getboolean("do_secure_hash")
    assert conf["image"]["hashing_algorithm"] == "sha256"
    assert not conf["enforce_scope"].getboolean("glance")
    assert conf["identity"]["ca_certificates_file"] == "/etc/ca.pem"


def test_conf_defaults_without_overrides(tmp_path):
    conf = read_conf(suite.tempest_conf(deployment(), str(tmp_path)))
    identity = conf["identity-feature-enabled"]
    assert not identity.getboolean("domain_specific_drivers") and not identity.getboolean("security_compliance")
    image = conf["image-feature-enabled"]
    assert image.getboolean("do_secure_hash") and not image.getboolean("http_store_enabled")


def test_conf_for_compute_network_and_volume(tmp_path):
    refs = {"flavor_ref": "f1", "flavor_ref_alt": "f2", "image_ref": "i1", "image_ref_alt": "i2"}
    with pytest.raises(suite.SuiteError, match=r"nova: .*need existing flavors and images.*'image_ref_alt'"):
        suite.tempest_conf(deployment(services=["keystone", "nova"], extra={"compute": {"flavor_ref": "f1"}}), "/w")
    conf = read_conf(suite.tempest_conf(deployment(services=["keystone", "nova", "neutron", "cinder"],
                                                   service_types={"cinder": "volumev3", "nova": "compute"},
                                                   extra={"compute": refs}), str(tmp_path)))
    assert conf["volume"]["catalog_type"] == "volumev3" and conf["compute"]["catalog_type"] == "compute"
    assert "catalog_type" not in conf["network"], "tempest's default stays where the catalog names no type"
    assert conf["compute"]["flavor_ref_alt"] == "f2" and conf["compute"]["image_ref"] == "i1"
    available = conf["service_available"]
    assert all(available.getboolean(name) for name in ("nova", "neutron", "cinder"))
    assert not available.getboolean("glance")
    assert conf["compute"]["max_microversion"] == "latest"
    assert not conf["volume-feature-enabled"].getboolean("backup")
    assert not conf.getboolean("auth", "create_isolated_networks")


@pytest.mark.parametrize("changes, message", [
    ({"admin_password": ""}, "no admin password: set keystone_admin_password"),
    ({"identity_url": "127.0.0.11/identity"}, "is not an http"),
    ({"admin_password": "two\nlines"}, r"\[auth\] admin_password: a value on several lines"),
    ({"configs": {"keystone": {"identity": {"domain_specific_drivers_enabled": "maybe"}}}}, "'maybe' is not a boolean"),
])
def test_conf_refuses_bad_facts(tmp_path, changes, message):
    with pytest.raises(suite.SuiteError, match=message):
        suite.tempest_conf(deployment(**changes), str(tmp_path))


def test_parse_ini_keeps_sections_and_case():
    parsed = suite.parse_ini("[DEFAULT]\nenabled_backends = fs:file\n[oslo_policy]\nenforce_new_defaults = true\n"
                             "[oslo_policy]\nEnforce_Scope = false\n")
    assert parsed == {"DEFAULT": {"enabled_backends": "fs:file"},
                      "oslo_policy": {"enforce_new_defaults": "true", "Enforce_Scope": "false"}}


# --- a real subunit stream (python-subunit of the tempest venv) -----------------------------

@pytest.fixture(scope="module")
def tempest_python() -> str:
    python = pathlib.Path(os.environ.get("OSAPI_TEMPEST", "")) / "python"
    if not python.exists():
        pytest.fail(f"no tempest venv at {python.parent}: run through scripts/test.sh (scripts/setup.sh sets OSAPI_TEMPEST)")
    return str(python)


def test_results_of_a_real_subunit_stream(tempest_python, tmp_path):
    (tmp_path / "sample_tests.py").write_text(textwrap.dedent("""
        import unittest

        class Runs(unittest.TestCase):
            def test_passes(self):
                pass

            def test_fails(self):
                self.assertEqual(1, 2, "one is not two")

            @unittest.skip("needs a hypervisor")
            def test_skipped(self):
                pass

        class SkippedClass(unittest.TestCase):
            @classmethod
            def setUpClass(cls):
                raise unittest.SkipTest("Nova is not available")

            def test_never(self):
                pass
    """))
    stream = subprocess.run([tempest_python, "-m", "subunit.run", "sample_tests"], cwd=tmp_path,
                            capture_output=True, check=False).stdout
    done = subprocess.run([tempest_python, str(SUITE_FILE), "results"], input=stream, capture_output=True, check=True)
    results = {record["id"]: record for record in json.loads(done.stdout)}
    assert results["sample_tests.Runs.test_passes"]["status"] == "success"
    assert results["sample_tests.Runs.test_fails"]["status"] == "fail"
    assert "one is not two" in results["sample_tests.Runs.test_fails"]["reason"]
    assert results["sample_tests.Runs.test_skipped"] == {"id": "sample_tests.Runs.test_skipped", "status": "skip",
                                                         "reason": "needs a hypervisor"}
    # the class's tests are only listed ("exists"); its setUpClass reports the skip
    class_skip = [record for name, record in results.items() if "SkippedClass" in name and record["status"] != "exists"]
    assert [(record["status"], record["reason"]) for record in class_skip] == [("skip", "Nova is not available")]
    assert suite.test_class(class_skip[0]["id"]) == "sample_tests.SkippedClass"


def test_results_usage_error(tempest_python):
    done = subprocess.run([tempest_python, str(SUITE_FILE)], capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "usage" in done.stderr
