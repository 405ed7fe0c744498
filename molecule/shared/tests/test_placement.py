"""Placement through the scenario's frontend: its versions document."""


def test_versions_document_names_1_0_and_a_microversion_range(scenario, api):
    answer = api.get(f"{scenario.base_url()}/placement/")
    assert answer.status == 200
    version = answer.json()["versions"][0]
    assert version["id"] == "v1.0"
    assert version["min_version"] == "1.0"
    assert tuple(int(part) for part in version["max_version"].split(".")) >= (1, 36)
