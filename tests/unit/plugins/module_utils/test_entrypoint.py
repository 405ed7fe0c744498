"""module_utils/entrypoint.py against a real venv: every success and failure path."""
from __future__ import annotations

import os
import pwd

import pytest

from ansible_collections.osapi.wsgi.plugins.module_utils.entrypoint import (
    EntrypointError,
    parse_entrypoint,
    run_probe,
)


@pytest.mark.parametrize("text, expected", [
    ("keystone.wsgi.api:application", ("keystone.wsgi.api", "application")),
    ("app:create.wsgi", ("app", "create.wsgi")),
    ("_private.mod:_app", ("_private.mod", "_app")),
])
def test_parse_valid(text, expected):
    assert parse_entrypoint(text) == expected


@pytest.mark.parametrize("text", [
    "", "keystone.wsgi.api", "keystone.wsgi.api:", ":application", "keystone/wsgi/api.py:application",
    "keystone.wsgi.api:application()", "keystone..api:app", "1abc:app", "a:b:c", " keystone.wsgi.api:application",
])
def test_parse_invalid(text):
    with pytest.raises(EntrypointError, match="package.module:callable"):
        parse_entrypoint(text)


def test_success_reports_file_version_and_time(venv):
    report = run_probe(venv.python, "goodapp.wsgi.api:application")
    assert report["ok"] is True
    assert report["file"] == str(venv.site / "goodapp" / "wsgi" / "api.py")
    assert report["distribution"] == "good-app"
    assert report["version"] == "1.2.3"
    assert report["callable_type"] == "function"
    assert 0 <= report["import_seconds"] < 30
    assert report["python"].startswith(str(venv.path))


def test_dotted_callable(venv):
    report = run_probe(venv.python, "goodapp.wsgi.api:Holder.app")
    assert report["callable"] == "Holder.app"


def test_environment_reaches_the_import(venv):
    with pytest.raises(EntrypointError) as err:
        run_probe(venv.python, "needsenv.api:application")
    assert err.value.details["error"] == "import_error"
    assert "NEEDSENV_CONFIG_DIR" in err.value.details["message"]
    report = run_probe(venv.python, "needsenv.api:application", environment={"NEEDSENV_CONFIG_DIR": "/etc/x"})
    assert report["ok"]


def test_module_not_found(venv):
    with pytest.raises(EntrypointError, match="module 'goodapp.wsgi.apii' not found") as err:
        run_probe(venv.python, "goodapp.wsgi.apii:application")
    assert err.value.details["error"] == "module_not_found"


def test_dependency_not_found(venv):
    with pytest.raises(EntrypointError, match="not_installed_dependency_xyz") as err:
        run_probe(venv.python, "depmissing.api:application")
    assert err.value.details["error"] == "dependency_not_found"
    assert err.value.details["missing"] == "not_installed_dependency_xyz"


def test_missing_attribute(venv):
    with pytest.raises(EntrypointError, match="has no attribute 'app'") as err:
        run_probe(venv.python, "goodapp.wsgi.api:app")
    assert err.value.details["error"] == "missing_attribute"


def test_not_callable(venv):
    with pytest.raises(EntrypointError, match="is a int, not a WSGI callable") as err:
        run_probe(venv.python, "notcallable.api:application")
    assert err.value.details["error"] == "not_callable"


def test_import_error_has_traceback_tail(venv):
    with pytest.raises(EntrypointError, match="RuntimeError: database connection refused") as err:
        run_probe(venv.python, "raises.api:application")
    tail = err.value.details["traceback_tail"]
    assert tail[-1] == "RuntimeError: database connection refused at import"
    assert any("raises/api.py" in line for line in tail)


def test_output_printed_during_import_is_ignored(venv):
    assert run_probe(venv.python, "noisy.api:application")["ok"]


def test_argv_is_empty_like_under_a_wsgi_server(venv):
    assert run_probe(venv.python, "argvparse.api:application")["ok"]


def test_threads_started_by_the_import_do_not_hold_the_probe(venv):
    report = run_probe(venv.python, "threads.api:application", timeout=20)
    assert report["ok"]


def test_timeout(venv):
    with pytest.raises(EntrypointError, match="did not finish within 1 seconds") as err:
        run_probe(venv.python, "slow.api:application", timeout=1)
    assert err.value.details["error"] == "timeout"


def test_missing_interpreter(tmp_path):
    with pytest.raises(EntrypointError, match="does not exist or is not executable"):
        run_probe(str(tmp_path / "nope" / "bin" / "python"), "goodapp.wsgi.api:application")


def test_unknown_user(venv):
    with pytest.raises(EntrypointError, match="does not exist on this host"):
        run_probe(venv.python, "goodapp.wsgi.api:application", user="no-such-user-osapi")


@pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists("/usr/bin/python3"),
                    reason="switching users needs root and a system python3")
def test_runs_as_the_given_user():
    # the system interpreter and stdlib are usable by nobody, unlike pytest's tmp dirs
    report = run_probe("/usr/bin/python3", "json:dumps", user="nobody")
    assert report["uid"] == pwd.getpwnam("nobody").pw_uid
    assert report["uid"] != os.geteuid()
