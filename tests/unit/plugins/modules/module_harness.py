"""Running a module's main() in-process through AnsibleModule (tests/unit/plugins/modules):
exit_json/fail_json raise ExitJson/FailJson with what they got, masked the way Ansible masks
every module result (values of no_log options), instead of printing and exiting."""
from __future__ import annotations

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args


class ExitJson(Exception):
    pass


class FailJson(Exception):
    pass


def masked(module, result):
    return basic.remove_values(result, module.no_log_values)


def exit_json(self, **kwargs):
    raise ExitJson(masked(self, kwargs))


def fail_json(self, msg, **kwargs):
    kwargs["msg"] = msg
    raise FailJson(masked(self, kwargs))


def capture(monkeypatch):
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)


def run_module(module, args, expect=ExitJson):
    """module.main() with args; the result it exited (or failed, expect=FailJson) with."""
    with patch_module_args(args), pytest.raises(expect) as raised:
        module.main()
    return raised.value.args[0]
