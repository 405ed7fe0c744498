"""The engine's modules end to end through AnsibleModule (arguments, results, failures,
check mode): service_files, service_probe, setup_commands, service_units."""
from __future__ import annotations

import json
import os
import pwd


from ansible_collections.osapi.wsgi.tests.unit.plugins.modules.module_harness import ExitJson, FailJson, run_module

from ansible_collections.osapi.wsgi.plugins.modules import service_files, service_probe, service_units, setup_commands

ME = pwd.getpwuid(os.getuid()).pw_name


def run(module, args, expect=ExitJson):
    return run_module(module, args, expect)


def test_service_files_writes_compares_and_snapshots(tmp_path):
    conf = {"path": f"{tmp_path}/etc/app.conf", "content": "x = 1\n", "mode": "0640", "secret": True, "app": True}
    unit = {"path": f"{tmp_path}/etc/app.service", "content": "[Unit]\n", "unit": "app"}
    args = {"entries": [{"path": f"{tmp_path}/etc", "state": "directory", "mode": "0750"}, conf],
            "compare": [unit], "snapshot": {"dest": f"{tmp_path}/backup/app.tar", "paths": [f"{tmp_path}/etc"]},
            "_ansible_diff": True}
    result = run(service_files, args)
    assert result["changed"] and result["changed_paths"] == [f"{tmp_path}/etc", conf["path"]]
    assert result["differ"] == [unit["path"]] and result["snapshot"]["saved"] == []
    assert all("x = 1" not in diff["after"] for diff in result["diff"])
    again = run(service_files, args)
    assert not again["changed"] and again["snapshot"]["saved"] == [f"{tmp_path}/etc".lstrip("/")]
    assert "diff" not in again


def test_service_files_failure_reports_what_was_done(tmp_path):
    result = run(service_files, {"entries": [{"path": f"{tmp_path}/a", "content": "a"},
                                             {"path": f"{tmp_path}/b", "src": f"{tmp_path}/none"}]}, FailJson)
    assert "none does not exist" in result["msg"] and result["changed_paths"] == [f"{tmp_path}/a"]


def test_service_probe(tmp_path):
    result = run(service_probe, {"paths": [str(tmp_path)], "json_file": f"{tmp_path}/none.fact",
                                 "users": [{"name": ME}], "_ansible_check_mode": True})
    assert result["changed"] is False and result["exists"] == {str(tmp_path): True}
    assert result["json"] == {} and result["users"] == {ME: True}


def test_setup_commands_hide_their_secret_environment(tmp_path):
    args = {"chdir": str(tmp_path), "environment": {"CONFIG_DIR": str(tmp_path)},
            "commands": [{"name": "boot", "argv": ["/bin/sh", "-c", 'echo "pw=$PASSWORD in $CONFIG_DIR"'],
                          "creates": f"{tmp_path}/.osapi/boot.1", "stamp": True,
                          "environment": {"PASSWORD": "s3cret-value"}}]}
    result = run(setup_commands, args)
    assert result["ran"] == ["boot"]
    # the secret is masked wherever it would show, the rest of the output stays readable
    assert result["results"][0]["stdout"] == f"pw=******** in {tmp_path}"
    assert "s3cret-value" not in json.dumps(result)
    assert run(setup_commands, args)["ran"] == []


def test_setup_commands_failure_and_check_mode(tmp_path):
    cmd = {"name": "sync", "argv": ["/bin/false"], "creates": f"{tmp_path}/done"}
    assert run(setup_commands, {"commands": [cmd], "_ansible_check_mode": True})["ran"] == ["sync"]
    failed = run(setup_commands, {"commands": [cmd]}, FailJson)
    assert failed["msg"].startswith("setup command sync failed (rc 1)")


def test_service_units_check_mode():
    result = run(service_units, {"units": [{"name": "osapi-test", "state": "restarted"}], "_ansible_check_mode": True})
    assert result["changed"] and result["actions"] == [{"unit": "osapi-test", "action": "restart"}]
