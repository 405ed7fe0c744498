"""The Apache frontend speaks HTTPS only, with the scenario's certificate (checked against osapi_test_ca_file)."""


def test_keystone_links_say_https(scenario, api):
    base = scenario.node_url()
    assert base.startswith("https://")
    versions = api.get(f"{base}/identity/")
    assert versions.status == 300
    assert versions.json()["versions"]["values"][0]["links"][0]["href"].startswith(f"{base}/identity/v3")


def test_plain_http_to_the_https_port_is_refused(scenario, api):
    port = scenario.vars().get("osapi_wsgi_http_port", 443)
    assert api.get(f"http://{scenario.address()}:{port}/identity/").status == 400
