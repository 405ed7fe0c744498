"""Keystone through the scenario's frontend: versions, /v3, a token issued and validated, a wrong password refused."""


def test_versions_document_lists_v3_under_the_prefix(scenario, api):
    versions = api.get(f"{scenario.base_url()}/identity/")
    assert versions.status == 300
    values = versions.json()["versions"]["values"]
    assert len([v for v in values if v["id"].startswith("v3")]) == 1
    assert "/identity/v3" in values[0]["links"][0]["href"]


def test_v3_answers(scenario, api):
    assert api.get(f"{scenario.base_url()}/identity/v3").status == 200


def test_token_for_the_bootstrap_admin_validates(scenario, api):
    base = scenario.base_url()
    validated = api.validate_token(base, api.token(base))
    assert validated.status == 200
    token = validated.json()["token"]
    assert token["user"]["name"] == "admin"
    assert token["project"]["name"] == "admin"
    assert len([entry for entry in token["catalog"] if entry["type"] == "identity"]) == 1


def test_wrong_password_is_refused(scenario, api):
    assert api.issue_token(scenario.base_url(), password="not-the-password", scoped=False).status == 401
