"""The wsgi_entrypoint module end to end: argument handling, results, failures, check mode."""
from __future__ import annotations

import json

from ansible_collections.osapi.wsgi.tests.unit.plugins.modules.module_harness import ExitJson, FailJson, run_module

from ansible_collections.osapi.wsgi.plugins.modules import wsgi_entrypoint


def run(args, expect=ExitJson):
    return run_module(wsgi_entrypoint, args, expect)


def test_success_with_virtualenv(venv):
    result = run({"entrypoint": "goodapp.wsgi.api:application", "virtualenv": str(venv.path)})
    assert result["changed"] is False
    assert result["version"] == "1.2.3"
    assert result["distribution"] == "good-app"
    assert result["file"].endswith("goodapp/wsgi/api.py")
    assert result["entrypoint"] == "goodapp.wsgi.api:application"
    assert "ok" not in result
    json.dumps(result)


def test_check_mode_gives_the_same_answer(venv):
    args = {"entrypoint": "goodapp.wsgi.api:application", "python": venv.python}
    normal = run(args)
    checked = run(dict(args, _ansible_check_mode=True))
    for key in ("changed", "file", "version", "distribution", "callable_type", "module"):
        assert checked[key] == normal[key]


def test_environment_option(venv):
    result = run({"entrypoint": "needsenv.api:application", "python": venv.python,
                  "environment": {"NEEDSENV_CONFIG_DIR": "/etc/needsenv"}})
    assert result["callable"] == "application"


def test_bad_syntax_fails_before_running_anything(venv):
    result = run({"entrypoint": "keystone/wsgi/api.py", "python": venv.python}, FailJson)
    assert result["error"] == "malformed"
    assert "package.module:callable" in result["msg"]


def test_import_failure_reports_kind_and_traceback(venv):
    result = run({"entrypoint": "raises.api:application", "virtualenv": str(venv.path)}, FailJson)
    assert result["error"] == "import_error"
    assert result["changed"] is False
    assert "database connection refused" in result["msg"]
    assert result["traceback_tail"][-1].startswith("RuntimeError")


def test_missing_module_names_the_venv(venv):
    result = run({"entrypoint": "goodapp.wsgi.nope:application", "virtualenv": str(venv.path)}, FailJson)
    assert result["error"] == "module_not_found"
    assert str(venv.path) in result["msg"]


def test_missing_virtualenv(tmp_path):
    result = run({"entrypoint": "goodapp.wsgi.api:application", "virtualenv": str(tmp_path / "absent")}, FailJson)
    assert result["error"] == "no_interpreter"


def test_python_and_virtualenv_are_exclusive(venv):
    result = run({"entrypoint": "a:b", "python": venv.python, "virtualenv": str(venv.path)}, FailJson)
    assert "mutually exclusive" in result["msg"]


def test_one_of_python_or_virtualenv_is_required():
    result = run({"entrypoint": "a:b"}, FailJson)
    assert "one of the following is required" in result["msg"]
