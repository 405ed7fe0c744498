"""Cinder through the scenario's frontend (auth_strategy noauth): versions, and reads of the synced database."""

NOAUTH = {"X-Auth-Token": "admin:demo", "X-Auth-Project-Id": "demo"}


def test_versions_document_offers_v3(scenario, api):
    versions = api.get(f"{scenario.base_url()}/volume/")
    assert versions.status == 300
    assert len([v for v in versions.json()["versions"] if v["id"] == "v3.0"]) == 1


def test_project_has_no_volumes(scenario, api):
    volumes = api.get(f"{scenario.base_url()}/volume/v3/volumes", headers=NOAUTH)
    assert volumes.status == 200
    assert volumes.json()["volumes"] == []


def test_default_volume_type_made_by_db_sync_is_there(scenario, api):
    types = api.get(f"{scenario.base_url()}/volume/v3/types", headers=NOAUTH)
    assert types.status == 200
    assert len([t for t in types.json()["volume_types"] if t["name"] == "__DEFAULT__"]) == 1
