"""Per-deployment secrets: the catalog's `secrets` held against the services' own option
definitions, generated in their format, written into the rendered config.

OPTIONS is what each catalog service's oslo.config options say (read from the wheels of
the releases the catalog installs: the options with secret=True outside the storage,
volume and share drivers, and those whose default is a key or password shipped in the
code). Each is either generated (GENERATED: it must be in the catalog) or left alone, with
the reason. A service added to the catalog without a row here fails
test_every_catalog_service_was_examined: its options must be looked at first.
"""
from __future__ import annotations

import base64
import os
import stat

import pytest
from ansible.errors import AnsibleLookupError

from ansible_collections.osapi.wsgi.plugins.plugin_utils import cloud
from ansible_collections.osapi.wsgi.plugins.lookup import secret as secret_lookup
from ansible_collections.osapi.wsgi.plugins.plugin_utils import catalog as osapi_catalog
from ansible_collections.osapi.wsgi.plugins.plugin_utils import engine
from ansible_collections.osapi.wsgi.plugins.plugin_utils import files
from ansible_collections.osapi.wsgi.plugins.plugin_utils import secrets

CATALOG = osapi_catalog.load()
GENERATED = "generated"
DRIVER = "credentials of an external system (driver, backend, store): the operator's, no default to replace"
WORKER = "used by a worker process this collection does not deploy, and only with a backend the operator adds"

# {service: {"section.option": (upstream default, GENERATED or why it is left alone)}}
OPTIONS = {
    "keystone": {
        "DEFAULT.admin_token": (None, "must stay unset: a token that bypasses authentication (deprecated)"),
        "security_compliance.invalid_password_hash_secret_key": (
            None, "only read with report_invalid_password_hash enabled (off by default)"),
        "ldap.password": (None, DRIVER),
    },
    "placement": {
        "placement_database.connection": (None, "the database URL: set by the engine (database_url)"),
    },
    "cinder": {
        "key_manager.fixed_key": (None, "only read by the insecure fixed-key manager; the default key manager is barbican"),
        "DEFAULT.backend_url": ("file://$state_path", "a coordination URL, not a secret of its own"),
        "backend.chap_password": ("", DRIVER),
    },
    "glance": {
        "DEFAULT.metadata_encryption_key": (
            None, "off by default; turned on for images already stored it makes their locations unreadable:"
                  " the operator's decision (docs/security.md)"),
        "glance_store.swift_store_key": (None, DRIVER),
    },
    "nova": {
        "neutron.metadata_proxy_shared_secret": ("", GENERATED),
        "key_manager.fixed_key": (None, "only read by the insecure fixed-key manager; the default key manager is barbican"),
        "vmware.host_password": (None, DRIVER),
    },
    "neutron": {
        "DEFAULT.metadata_proxy_shared_secret": ("", GENERATED),
        "DEFAULT.ha_vrrp_auth_password": (None, WORKER + " (the L3 agent's HA routers)"),
    },
    "heat": {
        "DEFAULT.auth_encryption_key": ("notgood but just long enough i t", GENERATED),
        "DEFAULT.stack_domain_admin_password": (None, "a keystone user's password: heat_domain_admin_password"),
    },
    "barbican": {
        "simple_crypto_plugin.kek": ([], GENERATED),
        "p11_crypto_plugin.login": (None, DRIVER),
        "kmip_plugin.password": (None, DRIVER),
        "vault_plugin.root_token_id": (None, DRIVER),
    },
    "aodh": {"coordination.backend_url": (None, "a coordination URL (aodh-evaluator), not a secret of its own")},
    "gnocchi": {
        "storage.swift_key": ("admin", DRIVER),
        "storage.s3_secret_access_key": (None, DRIVER),
        "storage.ceph_secret": (None, DRIVER),
    },
    "ironic": {
        "glance.swift_temp_url_key": (None, DRIVER),
        "deploy.image_server_password": (None, DRIVER),
    },
    "octavia": {
        "certificates.server_certs_key_passphrase": ("insecure-key-do-not-use-this-key", GENERATED),
        "health_manager.heartbeat_key": (None, GENERATED),
        "certificates.ca_private_key_passphrase": (
            None, "the passphrase of the operator's amphora CA key (ca_private_key): it must match that key"),
        "task_flow.jobboard_backend_password": (None, DRIVER),
    },
    "designate": {"coordination.backend_url": (None, "a coordination URL (designate's workers), not a secret of its own")},
    "manila": {"DEFAULT.backend_url": ("file://$state_path", "a coordination URL, not a secret of its own"),
               "DEFAULT.service_instance_password": (None, DRIVER)},
    "magnum": {"trust.trustee_domain_admin_password": (None, "a keystone user's password: magnum_domain_admin_password")},
    "masakari": {"DEFAULT.os_privileged_user_password": (None, WORKER + " (masakari-engine's nova user)")},
    "watcher": {"prometheus_client.password": (None, DRIVER), "grafana_client.token": (None, DRIVER)},
    "zun": {"DEFAULT.auth_encryption_key": ("notgood but just long enough i t", GENERATED)},
    "trove": {
        "DEFAULT.module_aes_cbc_key": ("module_aes_cbc_key", GENERATED),
        "DEFAULT.taskmanager_rpc_encr_key": ("bzH6y0SGmjuoY0FNSTptrhgieGXNDX6PIhvz", GENERATED),
        "DEFAULT.inst_rpc_key_encr_key": ("emYjgHFqfXNB1NGehAFIUeoyw4V4XwWHEaKP", GENERATED),
        "DEFAULT.backup_aes_cbc_key": ("", "only decrypts backups made before Victoria (deprecated)"),
        "DEFAULT.dns_passkey": ("", DRIVER),
    },
    "cloudkitty": {"collector_prometheus.prometheus_password": (None, DRIVER)},
    "mistral": {},
    "zaqar": {
        "signed_url.secret_key": (None, GENERATED),
        "transport.message_encryption_key": ("AES256", GENERATED),
        "drivers:message_store:swift.uri": ("swift://demo:nomoresecrete@/demo", DRIVER),
    },
    "blazar": {"DEFAULT.os_admin_password": ("blazar", "a keystone user's password: blazar's service user"
                                                       " (roles/blazar: blazar_service_password)")},
    "freezer_api": {},
}


def catalog_options(name):
    return {"%s.%s" % (item["section"], item["option"]): item for item in secrets.service_secrets(CATALOG[name], name)}


def test_every_catalog_service_was_examined():
    assert sorted(OPTIONS) == sorted(CATALOG), "a catalog service's secret options were not examined (OPTIONS)"


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_the_catalog_names_exactly_the_options_to_generate(name):
    wanted = sorted(key for key, (default, why) in OPTIONS[name].items() if why == GENERATED)
    assert sorted(catalog_options(name)) == wanted


@pytest.mark.parametrize("name,key", [(name, key) for name in sorted(CATALOG) for key in sorted(catalog_options(name))])
def test_generated_secret_in_its_format_and_not_the_default(tmp_path, name, key):
    item = catalog_options(name)[key]
    value = secret_lookup.read_or_create(str(tmp_path), item["name"], item["length"] or 32, item["format"])
    assert value != OPTIONS[name][key][0]
    assert secrets.check_value(item["name"], value, item["format"], item["length"]) == []
    if item["format"] == "fernet":
        assert len(base64.urlsafe_b64decode(value)) == 32
    else:
        assert value.isalnum() and len(value) == (item["length"] or 32)
    assert stat.S_IMODE(os.stat(tmp_path / item["name"]).st_mode) == 0o600
    assert secret_lookup.read_or_create(str(tmp_path), item["name"], item["length"] or 32, item["format"]) == value


def test_one_secret_for_nova_and_neutron():
    formats = secrets.catalog_formats(CATALOG)
    assert formats["nova_metadata_proxy_shared_secret"] == ("text", None)
    assert catalog_options("nova")["neutron.metadata_proxy_shared_secret"]["name"] == \
        catalog_options("neutron")["DEFAULT.metadata_proxy_shared_secret"]["name"]


SETTINGS = {"keystone_public_url": "http://192.0.2.10/identity", "keystone_internal_url": "http://10.0.0.10/identity",
            "region": "RegionOne", "service_password": "pw", "memcached_servers": [], "memcache_secret_key": "k"}
HOST = {"apache_dir": "/etc/apache2", "apache_group": "www-data", "uwsgi_binary": "/usr/bin/uwsgi",
        "listen_address": "127.0.0.32", "http_port": 80, "server_name": "api1", "tls_dir": "/etc/osapi-wsgi/tls"}


@pytest.mark.parametrize("name", sorted(name for name in CATALOG if catalog_options(name)))
def test_every_catalog_secret_reaches_the_rendered_config(tmp_path, name):
    """The way the engine does it (roles/osapi_wsgi/vars/main.yml): the names from the
    catalog, the values from the lookup's store, the cloud layer under the role's config."""
    names = cloud.secret_names(CATALOG[name], name)
    values = {item: secret_lookup.read_or_create(str(tmp_path), item, 32, secrets.catalog_formats(CATALOG)[item][0])
              for item in names}
    layer = cloud.cloud_layer(CATALOG[name], name, dict(SETTINGS, secrets=values))
    svc = engine.resolve_service(CATALOG[name], name, {"config": {"DEFAULT": {"debug": True}}}, "/opt/openstack",
                                 "127.0.0.32", cloud_config=layer, inventory_hostname="api1")
    config = [item for item in files.service_files(svc, HOST)["configure"] if item["path"] == files.config_path(svc)][0]
    text = config["content"]
    for key, item in catalog_options(name).items():
        section = text.split("\n[%s]\n" % item["section"], 1)[1].split("\n[", 1)[0]
        assert "%s = %s\n" % (item["option"], values[item["name"]]) in section, key


def test_a_missing_secret_value_is_refused():
    with pytest.raises(Exception, match="barbican_kek"):
        cloud.cloud_layer(CATALOG["barbican"], "barbican", dict(SETTINGS, secrets={}))


def test_dollar_signs_are_written_for_oslo_config():
    settings = dict(SETTINGS, service_password="a$b", secrets={"heat_auth_encryption_key": "x$" + "y" * 30})
    layer = cloud.cloud_layer(CATALOG["heat"], "heat", settings)
    assert layer["keystone_authtoken"]["password"] == "a$$b"
    assert layer["DEFAULT"]["auth_encryption_key"] == "x$$" + "y" * 30
    assert cloud.ini_escape("p$w$") == "p$$w$$"


def lookup(variables, *terms):
    """What the lookup returns for the terms with these variables set."""
    return [secret_lookup.secret_value(term, variables.get(term), variables.get("osapi_wsgi_secrets_dir"))
            for term in terms]


def test_the_lookup_generates_in_the_catalogs_format(tmp_path):
    kek, heat = lookup({"osapi_wsgi_secrets_dir": str(tmp_path)}, "barbican_kek", "heat_auth_encryption_key")
    assert len(base64.urlsafe_b64decode(kek)) == 32 and len(heat) == 32
    assert lookup({"osapi_wsgi_secrets_dir": str(tmp_path)}, "barbican_kek") == [kek]


def test_the_operators_value_wins_and_is_checked(tmp_path):
    key = base64.urlsafe_b64encode(b"k" * 32).decode()
    assert lookup({"osapi_wsgi_secrets_dir": str(tmp_path), "barbican_kek": key}, "barbican_kek") == [key]
    with pytest.raises(AnsibleLookupError, match="barbican_kek is not a Fernet key"):
        lookup({"barbican_kek": "short"}, "barbican_kek")
    with pytest.raises(AnsibleLookupError, match="heat_auth_encryption_key has 5 characters"):
        lookup({"heat_auth_encryption_key": "short"}, "heat_auth_encryption_key")
    with pytest.raises(AnsibleLookupError, match="glance_service_password contains a line break"):
        lookup({"glance_service_password": "pass\nword"}, "glance_service_password")
    assert lookup({"glance_service_password": "pa$word"}, "glance_service_password") == ["pa$word"]
