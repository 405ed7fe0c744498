"""The catalog's client calls (the catalog scenario makes them, docs/support-matrix.md): every API
listed in keystone's catalog has a read call and a write round trip, or names the worker they
need; the write calls are well formed."""
from __future__ import annotations

import re
import shlex

import pytest

from ansible_collections.osapi.wsgi.plugins.plugin_utils import catalog as osapi_catalog

PLACEHOLDERS = {"{name}", "{id}", "{file}", "{out}", "{project}"}
APIS = [(name, api) for name, entry in osapi_catalog.load().items() for api in entry["apis"]]


@pytest.mark.parametrize("service,api", APIS, ids=[api["name"] for _name, api in APIS])
def test_every_registered_api_has_a_write_round_trip_or_names_its_worker(service, api):
    if not api.get("service_type"):
        assert not api.get("write_calls") and not api.get("write_worker"), api["name"]
        return
    assert bool(api.get("write_calls")) != bool(api.get("write_worker")), api["name"]
    if api.get("write_worker"):
        return
    calls = api["write_calls"]
    assert len(calls) >= 3, api["name"]  # create, read, delete
    assert "create" in calls[0] or "store" in calls[0], api["name"]
    assert "delete" in calls[-1], api["name"]
    for call in calls:
        words = shlex.split(call)
        assert words and not words[0].startswith("-"), call
        # only the placeholders the catalog scenario fills in (molecule/catalog/tests/test_catalog.py)
        assert set(re.findall(r"\{[a-z]+\}", call)) <= PLACEHOLDERS, call
    text = " ".join(calls)
    assert ("{file}" in text) == bool(api.get("write_file")), api["name"]
    assert ("{out}" not in text) or api.get("write_file") == "random", api["name"]
