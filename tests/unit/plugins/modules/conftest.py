"""Every module test here runs main() in-process (module_harness.py)."""
from __future__ import annotations

import pytest

from ansible_collections.osapi.wsgi.tests.unit.plugins.modules import module_harness


@pytest.fixture(autouse=True)
def capture_exit(monkeypatch):
    module_harness.capture(monkeypatch)
