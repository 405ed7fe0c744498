"""playbooks/rolling.yml deploys in the same order as playbooks/deploy.yml."""
from __future__ import annotations

import pathlib

import yaml

PLAYBOOKS = pathlib.Path(__file__).resolve().parents[3] / "playbooks"


def load(name: str):
    with (PLAYBOOKS / name).open() as handle:
        return yaml.safe_load(handle)


def test_rolling_order_matches_deploy_order():
    deploy = next(play for play in load("deploy.yml") if "vars" in play)["vars"]["__osapi_wsgi_deploy_order"]
    rolling = load("rolling.yml")[0]
    assert rolling["vars"]["__osapi_wsgi_deploy_order"] == deploy
    assert rolling["serial"] == 1
    assert rolling["any_errors_fatal"] is True


def test_deploy_ends_with_haproxy():
    plays = load("deploy.yml")
    assert plays[-1]["roles"][0]["role"] == "osapi.wsgi.haproxy"
