"""Reading the host (probe.py), running setup commands (commands.py) and planning units
(units.py), without a managed host: real files and commands in a temporary directory."""
from __future__ import annotations

import json
import os
import pwd
import stat

import pytest

from ansible_collections.osapi.wsgi.plugins.module_utils import commands, probe, units

ME = pwd.getpwuid(os.getuid())


def test_probe_paths_json_users_groups(tmp_path):
    (tmp_path / "registry.fact").write_text(json.dumps({"keystone": {"mode": "uwsgi", "apis": []}}))
    (tmp_path / "bad.fact").write_text("{not json")
    found = probe.probe(paths=[str(tmp_path), f"{tmp_path}/missing"], json_file=f"{tmp_path}/registry.fact",
                        users=[{"name": ME.pw_name, "home": ME.pw_dir, "shell": ME.pw_shell},
                               {"name": ME.pw_name, "home": "/elsewhere"}, {"name": "no-such-user-osapi"}],
                        groups=["no-such-group-osapi"])
    assert found["exists"] == {str(tmp_path): True, f"{tmp_path}/missing": False}
    assert found["json"] == {"keystone": {"mode": "uwsgi", "apis": []}}
    assert found["users"] == {ME.pw_name: False, "no-such-user-osapi": False}
    assert probe.user_matches({"name": ME.pw_name, "home": ME.pw_dir, "shell": ME.pw_shell})
    assert found["groups"] == {"no-such-group-osapi": False}
    assert probe.read_json(f"{tmp_path}/missing") == ({}, None)
    content, error = probe.read_json(f"{tmp_path}/bad.fact")
    assert content == {} and "bad.fact" in error


@pytest.mark.skipif(not os.path.exists("/usr/bin/dpkg-query"), reason="needs a Debian host")
def test_probe_missing_packages():
    found = probe.probe(packages=["dpkg", "osapi-no-such-package"])
    assert found["missing_packages"] == ["osapi-no-such-package"]
    assert isinstance(found["apt_lists"], bool)


def test_units_state_from_systemctl_show():
    out = ("Id=keystone-api.service\nActiveState=active\nUnitFileState=enabled\n\n"
           "Id=apache2.service\nActiveState=inactive\nUnitFileState=\n")
    assert probe.parse_show(["keystone-api", "apache2"], out) == {
        "keystone-api": {"active": "active", "enabled": "enabled"}, "apache2": {"active": "inactive", "enabled": ""}}
    assert probe.parse_show(["a"], "") == {"a": {"active": "", "enabled": ""}}


def command(tmp_path, name, script, **more):
    out = {"name": name, "argv": ["/bin/sh", "-c", script], "user": ME.pw_name, "creates": f"{tmp_path}/{name}.done"}
    out.update(more)
    return out


def test_commands_run_once_in_order_with_their_environment(tmp_path):
    cmds = [command(tmp_path, "keys", 'echo "$COMMON $OWN" > keys.done', environment={"OWN": "own"}),
            command(tmp_path, "sync", "echo synced", creates=f"{tmp_path}/stamps/sync.1", stamp=True)]
    result = commands.run_all(cmds, chdir=str(tmp_path), environment={"COMMON": "common"})
    assert result["ran"] == ["keys", "sync"] and result["changed"]
    assert (tmp_path / "keys.done").read_text() == "common own\n"
    assert result["results"][1]["stdout"] == "synced"
    assert (tmp_path / "stamps" / "sync.1").read_text() == "sync\n"
    assert stat.S_IMODE((tmp_path / "stamps").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "stamps" / "sync.1").stat().st_mode) == 0o600
    again = commands.run_all(cmds, chdir=str(tmp_path))
    assert again == {"changed": False, "ran": [], "not_due": ["keys", "sync"], "results": []}
    # a new venv runs the stamped one again
    cmds[1]["force"] = True
    assert commands.run_all(cmds, chdir=str(tmp_path))["ran"] == ["sync"]


def test_failure_stops_and_names_the_command(tmp_path):
    cmds = [command(tmp_path, "first", "true", creates=f"{tmp_path}/first", stamp=True),
            command(tmp_path, "broken", "echo 'table missing' >&2; exit 3"),
            command(tmp_path, "never", "touch never.done")]
    with pytest.raises(commands.CommandError, match=r"setup command broken failed \(rc 3\): table missing") as raised:
        commands.run_all(cmds, chdir=str(tmp_path))
    assert raised.value.result["ran"] == ["first", "broken"] and not (tmp_path / "never.done").exists()


def test_no_log_command_shows_neither_command_line_nor_output(tmp_path):
    cmds = [command(tmp_path, "secret", 'echo "$PASSWORD"; echo "$PASSWORD" >&2; exit 1', no_log=True,
                    environment={"PASSWORD": "s3cret"})]
    with pytest.raises(commands.CommandError) as raised:
        commands.run_all(cmds, chdir=str(tmp_path))
    assert "s3cret" not in str(raised.value) and "s3cret" not in json.dumps(raised.value.result)
    assert raised.value.result["results"] == [{"name": "secret", "why": f"{tmp_path}/secret.done is missing", "rc": 1}]


def test_check_mode_runs_nothing(tmp_path):
    result = commands.run_all([command(tmp_path, "keys", "touch keys.done")], chdir=str(tmp_path), check_mode=True)
    assert result["changed"] and result["ran"] == ["keys"] and not (tmp_path / "keys.done").exists()


def test_units_plan():
    state = {"a": {"active": "active", "enabled": "enabled"}, "b": {"active": "failed", "enabled": "disabled"},
             "c": {"active": "", "enabled": ""}, "apache2": {"active": "active", "enabled": "enabled"}}
    assert units.plan([{"name": "a", "state": "started", "enabled": True}], state) == []
    assert units.plan([{"name": "a", "state": "restarted", "enabled": True}], state) == [("a", "restart")]
    assert units.plan([{"name": "b", "state": "started", "enabled": True}], state) == [("b", "enable"), ("b", "start")]
    assert units.plan([{"name": "c", "state": "reloaded"}], state) == [("c", "start")]
    assert units.plan([{"name": "apache2", "state": "reloaded", "enabled": True}], state) == [("apache2", "reload")]
    assert units.plan([{"name": "a", "state": "stopped", "enabled": False}], state) == [("a", "disable"), ("a", "stop")]
    with pytest.raises(ValueError, match="state 'gone'"):
        units.plan([{"name": "a", "state": "gone"}], state)


def test_units_check_mode_reports_without_systemd():
    result = units.apply([{"name": "osapi-test-unit", "state": "started", "enabled": True}], check_mode=True)
    assert result["changed"] and result["actions"] == [
        {"unit": "osapi-test-unit", "action": "enable"}, {"unit": "osapi-test-unit", "action": "start"}]
    assert result["touched"] == []
