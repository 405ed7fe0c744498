"""playbooks/rolling.yml and playbooks/deploy.yml take the deploy order from the catalog."""
from __future__ import annotations

import pathlib

import yaml

PLAYBOOKS = pathlib.Path(__file__).resolve().parents[3] / "playbooks"
ORDER = "lookup('osapi.wsgi.catalog', deploy_order=true)"


def load(name: str):
    with (PLAYBOOKS / name).open() as handle:
        return yaml.safe_load(handle)


def test_both_playbooks_read_the_deploy_order_from_the_catalog():
    for name in ("deploy.yml", "rolling.yml"):
        text = (PLAYBOOKS / name).read_text()
        assert ORDER in text, name
        assert "__osapi_wsgi_deploy_order" not in text, name
    rolling = load("rolling.yml")[0]
    assert rolling["serial"] == 1
    assert rolling["any_errors_fatal"] is True


def test_deploy_ends_with_haproxy():
    plays = load("deploy.yml")
    assert plays[-1]["roles"][0]["role"] == "osapi.wsgi.haproxy"
