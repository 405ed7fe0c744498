"""tests/faults/fault_case.py: reads the failed steps out of ansible-playbook's output."""
from __future__ import annotations

import importlib.util
import pathlib

import pytest

SPEC = importlib.util.spec_from_file_location(
    "fault_case", pathlib.Path(__file__).resolve().parents[3] / "tests" / "faults" / "fault_case.py")
fault_case = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(fault_case)

OUTPUT = """
TASK [osapi.wsgi.osapi_wsgi : Check each entrypoint in the venv before anything (re)starts | keystone] ***
failed: [osapi-uwsgi] (item=keystone.wsgi.gone:application) => {"ansible_loop_var": "__api", "changed": false, "msg": "cannot import\\n  keystone.wsgi.gone"}

TASK [osapi.wsgi.osapi_wsgi : Put the saved configuration back | keystone] ****
changed: [osapi-uwsgi]

TASK [osapi.wsgi.osapi_wsgi : Stop: the running APIs keep the previous configuration | keystone] ***
fatal: [osapi-uwsgi]: FAILED! => {"changed": false, "msg": "keystone: check keystone_entrypoints"}
"""


def test_first_failed_step_and_last_message():
    found = fault_case.failures(OUTPUT)
    assert found[0] == ("Check each entrypoint in the venv before anything (re)starts | keystone",
                        "cannot import keystone.wsgi.gone")
    assert found[-1] == ("Stop: the running APIs keep the previous configuration | keystone",
                         "keystone: check keystone_entrypoints")
    assert len(found) == 2


def test_no_failure_in_a_clean_run():
    assert not fault_case.failures("TASK [Deploy] ***\nok: [host]\n")


def test_stderr_when_there_is_no_msg():
    out = 'TASK [x : Test] ***\nfatal: [h]: FAILED! => {"rc": 1, "stderr": "AH00526: Syntax error"}\n'
    assert fault_case.failures(out) == [("Test", "AH00526: Syntax error")]


@pytest.mark.parametrize("url", ["http://10.0.0.1/", "http://example.org/identity/"])
def test_probes_only_loopback(url):
    with pytest.raises(SystemExit):
        fault_case.status_of(url)


@pytest.mark.parametrize("url", ["http://10.0.0.1/", "http://[::2]:8016/", "http://example.org/"])
def test_probes_only_loopback_addresses(url):
    with pytest.raises(SystemExit, match="loopback only"):
        fault_case.status_of(url)


def test_probes_the_ipv6_loopback():
    # nothing listens on this port of [::1]: refused as a connection, not as a target
    assert fault_case.status_of("http://[::1]:9/") not in range(200, 400)
