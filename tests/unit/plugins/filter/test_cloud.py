"""The cloud wiring rules (plugins/plugin_utils/cloud.py, through its filters) against the real catalog."""
from __future__ import annotations

import json
import pathlib
import subprocess

import pytest

from ansible_collections.osapi.wsgi.plugins.plugin_utils import cloud
from ansible_collections.osapi.wsgi.plugins.plugin_utils import catalog as osapi_catalog
from ansible_collections.osapi.wsgi.plugins.plugin_utils import secrets

REPO = pathlib.Path(__file__).resolve().parents[4]
CATALOG = osapi_catalog.load()
SETTINGS = {
    "keystone_public_url": "http://192.0.2.10/identity",
    "keystone_internal_url": "http://10.0.0.10/identity",
    "region": "RegionOne",
    "service_password": "pw",
    "memcached_servers": ["10.0.0.5:11211"],
    "memcache_secret_key": "k",
    # every catalog secret (tests/unit/plugins/test_secrets.py)
    "secrets": {name: "s-" + name for name in secrets.catalog_formats(CATALOG)},
}


def test_every_api_but_nova_metadata_is_registered_with_a_type():
    unregistered = [api["name"] for entry in CATALOG.values() for api in entry["apis"] if not api.get("service_type")]
    assert unregistered == ["nova-metadata"]
    types = [api["service_type"] for entry in CATALOG.values() for api in cloud.registered_apis(entry)]
    assert len(types) == len(set(types)), "two APIs share a service type: clients would find two endpoints"


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_every_service_but_keystone_validates_tokens_through_memcached(name):
    layer = cloud.cloud_layer(CATALOG[name], name, SETTINGS)
    if name == "keystone":
        assert "keystone_authtoken" not in layer
        return
    auth = layer["keystone_authtoken"]
    assert auth["auth_url"] == "http://10.0.0.10/identity"
    assert auth["www_authenticate_uri"] == "http://192.0.2.10/identity"
    assert auth["username"] == (CATALOG[name].get("project") or name)
    assert auth["service_token_roles_required"] is True
    assert auth["memcached_servers"] == "10.0.0.5:11211"
    assert auth["memcache_security_strategy"] == "ENCRYPT"


def test_service_user_only_where_the_catalog_says():
    with_section = sorted(name for name in CATALOG if "service_user" in cloud.cloud_layer(CATALOG[name], name, SETTINGS))
    assert with_section == ["cinder", "nova"]
    assert cloud.cloud_layer(CATALOG["nova"], "nova", SETTINGS)["service_user"]["send_service_user_token"] is True


def test_the_deployments_ca_reaches_every_keystoneauth_section():
    plain = cloud.cloud_layer(CATALOG["nova"], "nova", SETTINGS)
    assert not any("cafile" in section for section in plain.values() if isinstance(section, dict))
    layer = cloud.cloud_layer(CATALOG["nova"], "nova", dict(SETTINGS, cafile="/usr/local/share/ca-certificates/osapi-wsgi-ca.crt"))
    sections = ["keystone_authtoken", "service_user"] + sorted(CATALOG["nova"]["peers"])
    assert sections[2:], "nova calls peers (placement, neutron, ...)"
    assert {name: layer[name].get("cafile") for name in sections} == dict.fromkeys(
        sections, "/usr/local/share/ca-certificates/osapi-wsgi-ca.crt")


def test_proxy_headers_are_parsed_only_behind_haproxy():
    assert "oslo_middleware" not in cloud.cloud_layer(CATALOG["glance"], "glance", SETTINGS)
    layer = cloud.cloud_layer(CATALOG["glance"], "glance", dict(SETTINGS, behind_proxy=True))
    assert layer["oslo_middleware"] == {"enable_proxy_headers_parsing": True}


def test_no_memcached_means_no_memcache_options():
    layer = cloud.cloud_layer(CATALOG["placement"], "placement", dict(SETTINGS, memcached_servers=[]))
    assert "memcached_servers" not in layer["keystone_authtoken"]


@pytest.mark.parametrize("missing", ["service_password", "keystone_internal_url", "region"])
def test_missing_keystone_settings_are_refused(missing):
    with pytest.raises(cloud.CloudError, match=missing):
        cloud.cloud_layer(CATALOG["glance"], "glance", dict(SETTINGS, **{missing: ""}))


def test_memcached_over_tls_with_the_service_s_client_certificate():
    settings = dict(SETTINGS, memcached_tls=True, cafile="/usr/local/share/ca-certificates/osapi-wsgi-ca.crt")
    auth = cloud.cloud_layer(CATALOG["glance"], "glance", settings)["keystone_authtoken"]
    assert {key: value for key, value in auth.items() if key.startswith("memcache_") and "tls" in key} == {
        "memcache_tls_enabled": True, "memcache_tls_cafile": settings["cafile"],
        "memcache_tls_certfile": "/etc/osapi-wsgi/memcache/glance.crt",
        "memcache_tls_keyfile": "/etc/osapi-wsgi/memcache/glance.key"}
    # the plain pool would ignore the TLS options
    assert auth["memcache_use_advanced_pool"] is True
    assert "cache" not in cloud.cloud_layer(CATALOG["glance"], "glance", settings)
    # keystone's own cache (oslo.cache) too
    assert cloud.cloud_layer(CATALOG["keystone"], "keystone", settings)["cache"] == {
        "tls_enabled": True, "tls_cafile": settings["cafile"], "tls_certfile": "/etc/osapi-wsgi/memcache/keystone.crt",
        "tls_keyfile": "/etc/osapi-wsgi/memcache/keystone.key"}
    # off: none of it
    plain = cloud.cloud_layer(CATALOG["keystone"], "keystone", dict(settings, memcached_tls=False))
    assert "cache" not in plain
    with pytest.raises(cloud.CloudError, match="osapi_wsgi_memcached_tls needs the deployment's CA"):
        cloud.cloud_layer(CATALOG["glance"], "glance", dict(settings, cafile=""))


def test_memcached_without_secret_is_refused():
    with pytest.raises(cloud.CloudError, match="osapi_wsgi_memcache_secret_key"):
        cloud.cloud_layer(CATALOG["glance"], "glance", dict(SETTINGS, memcache_secret_key=""))


def test_database_url_local_socket_and_tcp_and_quoting():
    assert cloud.database_url("keystone", "p@ss/w:rd", {"catalog": CATALOG, "host": ""}) == (
        "mysql+pymysql://keystone:p%40ss%2Fw%3Ard@localhost/keystone?unix_socket=/run/mysqld/mysqld.sock&charset=utf8")
    assert cloud.database_url("freezer_api", "x", {"catalog": CATALOG, "host": "10.0.0.5"}) == (
        "mysql+pymysql://freezer:x@10.0.0.5/freezer?charset=utf8")
    assert cloud.database_url("placement", "x", {"catalog": CATALOG, "host": "fd00::5"}).startswith("mysql+pymysql://placement:x@[fd00::5]/")
    with pytest.raises(cloud.CloudError, match="placement_database_password"):
        cloud.database_url("placement", "", {"catalog": CATALOG})


def test_databases_and_inventory_services():
    groups = {"keystone": ["a"], "freezer_api": ["b"], "glance": [], "haproxy": ["lb"]}
    services = cloud.inventory_services(CATALOG, groups)
    assert services == ["keystone", "freezer_api"]
    assert cloud.databases(CATALOG, services) == [
        {"service": "keystone", "name": "keystone", "databases": ["keystone"]},
        {"service": "freezer_api", "name": "freezer", "databases": ["freezer"]}]
    assert cloud.databases(CATALOG, ["nova"])[0]["databases"] == ["nova", "nova_api", "nova_cell0"]
    with pytest.raises(cloud.CloudError, match="backends_services"):
        cloud.databases(CATALOG, ["nope"])


def test_nova_reaches_its_other_databases_as_the_same_user():
    settings = {"catalog": CATALOG, "host": "10.0.0.5"}
    assert cloud.database_url("nova", "x", settings) == "mysql+pymysql://nova:x@10.0.0.5/nova?charset=utf8"
    assert cloud.database_url("nova", "x", settings, "nova_api") == "mysql+pymysql://nova:x@10.0.0.5/nova_api?charset=utf8"
    with pytest.raises(cloud.CloudError, match="nova has no database cinder"):
        cloud.database_url("nova", "x", settings, "cinder")


def test_every_service_with_a_transport_url_in_its_role_uses_the_message_bus():
    roles = REPO / "roles"
    with_url = sorted(name for name in CATALOG
                      if "_transport_url:" in (roles / name / "defaults" / "main.yml").read_text())
    assert with_url == cloud.messaging_services(CATALOG, sorted(CATALOG))
    assert "keystone" not in with_url and "nova" in with_url


def test_transport_url_per_service_user_in_its_own_vhost():
    settings = {"catalog": CATALOG, "host": "10.0.0.5", "port": 5672}
    assert cloud.transport_url("nova", "p@ss", settings) == "rabbit://nova:p%40ss@10.0.0.5:5672/nova"
    assert cloud.transport_url("cinder", "x", dict(settings, host="fd00::5")) == "rabbit://cinder:x@[fd00::5]:5672/cinder"
    assert cloud.transport_url("nova", "x", settings, "notifications") == "rabbit://nova:x@10.0.0.5:5672/notifications"
    with pytest.raises(cloud.CloudError, match="nova_messaging_password"):
        cloud.transport_url("nova", "", settings)
    with pytest.raises(cloud.CloudError, match="osapi_wsgi_rabbitmq_host"):
        cloud.transport_url("nova", "x", dict(settings, host=""))


def test_rabbitmq_definitions_hash_the_passwords_the_way_rabbitmq_checks_them():
    import base64
    import hashlib
    import json
    out = json.loads(cloud.rabbitmq_definitions({"nova": "s3cret", "freezer_api": "x"}, CATALOG))
    assert [u["name"] for u in out["users"]] == ["freezer", "nova"]
    # each user on its own virtual host only: no service reads or injects another's RPC
    assert out["vhosts"] == [{"name": "freezer"}, {"name": "nova"}]
    assert [(p["user"], p["vhost"]) for p in out["permissions"]] == [("freezer", "freezer"), ("nova", "nova")]
    raw = base64.b64decode(out["users"][1]["password_hash"])
    salt, digest = raw[:4], raw[4:]
    assert digest == hashlib.sha256(salt + b"s3cret").digest()
    assert "s3cret" not in json.dumps(out)
    # the same password gives the same file: nothing to import on a re-run
    assert cloud.rabbitmq_definitions({"nova": "s3cret"}, CATALOG) == cloud.rabbitmq_definitions({"nova": "s3cret"}, CATALOG)
    with pytest.raises(cloud.CloudError, match="nova_messaging_password"):
        cloud.rabbitmq_definitions({"nova": ""}, CATALOG)


def test_notifications_only_between_a_deployed_sender_and_reader():
    import json
    deployed = ["nova", "neutron", "designate", "glance"]
    mq = {"catalog": CATALOG, "host": "10.0.0.5", "port": 5672, "notifications_vhost": "notifications",
          "services": deployed}
    assert cloud.notifications_layer("nova", "x", mq) == {"oslo_messaging_notifications": {
        "transport_url": "rabbit://nova:x@10.0.0.5:5672/notifications", "driver": "messagingv2"}}
    # designate-sink reads nova's and neutron's: designate sends none of its own
    assert cloud.notifications_layer("designate", "x", mq) == {"oslo_messaging_notifications": {
        "transport_url": "rabbit://designate:x@10.0.0.5:5672/notifications"}}
    assert cloud.notifications_layer("glance", "x", mq) == {}
    # nobody reads nova's without designate or watcher
    assert cloud.notifications_layer("nova", "x", dict(mq, services=["nova", "neutron"])) == {}
    out = json.loads(cloud.rabbitmq_definitions({"nova": "a", "designate": "b", "heat": "c"}, CATALOG))
    assert {"name": "notifications"} in out["vhosts"]
    assert sorted((p["user"], p["vhost"]) for p in out["permissions"]) == [
        ("designate", "designate"), ("designate", "notifications"), ("heat", "heat"), ("nova", "notifications"),
        ("nova", "nova")]


def test_erlang_ip():
    assert cloud.erlang_ip("127.0.0.15") == "{127,0,0,15}"
    with pytest.raises(cloud.CloudError, match="IPv4"):
        cloud.erlang_ip("::1")


def test_peers_sections_use_the_service_user_on_internal_endpoints():
    layer = cloud.cloud_layer(CATALOG["nova"], "nova", SETTINGS)
    assert sorted(s for s in layer if s in ("placement", "neutron", "glance", "cinder")) == ["cinder", "glance", "neutron", "placement"]
    assert layer["placement"]["username"] == "nova" and layer["placement"]["valid_interfaces"] == "internal"
    assert layer["placement"]["auth_url"] == "http://10.0.0.10/identity"
    assert layer["cinder"]["catalog_info"] == "volumev3::internalURL"
    assert cloud.cloud_layer(CATALOG["cinder"], "cinder", SETTINGS)["nova"]["interface"] == "internal"
    assert "nova" not in cloud.cloud_layer(CATALOG["glance"], "glance", SETTINGS)


def test_memcached_servers_forms():
    assert cloud.memcached_servers(["10.0.0.5", "10.0.0.6:11222", "fd00::5"]) == [
        "10.0.0.5:11211", "10.0.0.6:11222", "inet6:[fd00::5]:11211"]


def test_endpoints_public_and_internal_with_suffix_and_prefix_override():
    out = cloud.endpoints(CATALOG["nova"], "nova", "http://lb", "http://10.0.0.10:8080", "R1",
                          {"nova-api": "/nova"})
    assert [(e["interface"], e["url"]) for e in out] == [
        ("public", "http://lb/nova/v2.1"), ("internal", "http://10.0.0.10:8080/nova/v2.1")]
    assert out[0]["service"] == {"name": "nova", "type": "compute", "description": "OpenStack nova (compute)"}
    heat = cloud.endpoints(CATALOG["heat"], "heat", "http://lb", "http://lb", "R1")
    assert sorted({e["service"]["type"] for e in heat}) == ["cloudformation", "orchestration"]


def test_base_url():
    assert cloud.base_url("http", "127.0.0.10", 80) == "http://127.0.0.10"
    assert cloud.base_url("https", "::1", 8443) == "https://[::1]:8443"
    assert cloud.base_url("https", "api.example", 443) == "https://api.example"
    with pytest.raises(cloud.CloudError, match="osapi_wsgi_public_address"):
        cloud.base_url("http", "", 80)


def test_only_services_that_authenticate_get_a_service_password():
    assert not cloud.needs_service_password(CATALOG["keystone"], "keystone")
    assert all(cloud.needs_service_password(CATALOG[name], name) for name in CATALOG if name != "keystone")


def test_the_filters_turn_wiring_errors_into_filter_errors():
    from ansible.errors import AnsibleFilterError

    from ansible_collections.osapi.wsgi.plugins.filter.cloud import FilterModule
    with pytest.raises(AnsibleFilterError, match="placement_database_password"):
        FilterModule().filters()["database_url"]("placement", "", {"catalog": CATALOG})


def test_client_files_say_the_same_in_both_and_quote_for_the_shell():
    admin = {"username": "admin", "password": "p'w $x", "project_name": "admin"}
    files = cloud.client_files("osapi", "https://192.0.2.10/identity", "RegionTwo", admin, "/srv/ca.crt")
    clouds = json.loads(files["clouds.yaml"].split("\n", 1)[1])["clouds"]["osapi"]
    assert clouds["auth"]["password"] == "p'w $x" and clouds["cacert"] == "/srv/ca.crt"
    assert clouds["region_name"] == "RegionTwo" and clouds["auth"]["auth_url"] == "https://192.0.2.10/identity"
    done = subprocess.run(["bash", "-c", 'source /dev/stdin; printf "%s|%s|%s" "$OS_PASSWORD" "$OS_CACERT" "$OS_REGION_NAME"'],
                          input=files["openrc"], capture_output=True, text=True, check=True)
    assert done.stdout == "p'w $x|/srv/ca.crt|RegionTwo"
    plain = cloud.client_files("osapi", "http://192.0.2.10/identity", "RegionOne", admin)
    assert "cacert" not in plain["clouds.yaml"] and "OS_CACERT" not in plain["openrc"]
