"""Every task whose arguments carry a password, a secret, a database or transport URL or a
service's rendered config hides its arguments and result (no_log), so that neither output nor
logs show them. A task that must show its message (a settings check: the message names the
variable, never its value) or whose module hides the password itself (its argument spec
marks it no_log) is listed in SHOWN with the reason."""
from __future__ import annotations

import pathlib
import re

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[3]
SENSITIVE = re.compile(r"osapi\.wsgi\.secret|_password|database_connection|transport_url|database_url|tls_private_key"
                       r"|__osapi_wsgi_files\.configure|__osapi_wsgi_cloud_config|__osapi_wsgi_admin_auth"
                       r"|__osapi_wsgi_svc \||__osapi_wsgi_svc\.config\b")
# keywords that are not the task's arguments
KEYWORDS = {"name", "no_log", "when", "tags", "loop_control", "register", "changed_when", "failed_when", "listen",
            "notify", "become", "delegate_to", "run_once"}
SHOWN = {
    "Check the shared settings": "a settings check: its message names the variables (check_shared), never a value",
    "Refuse settings that cannot work, before changing anything":
        "HAProxy's settings check: its messages name the variables (check_haproxy), never a value",
    "Check that the TLS key belongs to the certificate": "names the variables; the key itself is checked no_log before",
    "Validate the settings against each other and the host's other APIs | {{ __osapi_wsgi_svc.name }}":
        "a settings check: its message names the variables (check_service), never a value",
    "Register the service in keystone | {{ __osapi_wsgi_svc.name }}":
        "osapi.wsgi.keystone_registration's argument spec marks every password no_log",
    "Run the upgrade's steps | {{ __osapi_wsgi_svc.name }}":
        "osapi.wsgi.setup_commands's argument spec marks the commands' environment no_log; no password in an argv",
    "Stop: the running APIs keep the previous configuration | {{ __osapi_wsgi_svc.name }}":
        "the rollback's hint names variables (<service>_service_password among them), never a value",
    "Record on the primary which keys this node holds (the next rotation waits for it)":
        "writes key numbers only; it reads the key repositories' paths from the service's config",
}


def _tasks(items):
    for item in items or []:
        if not isinstance(item, dict):
            continue
        for key in ("block", "rescue", "always"):
            yield from _tasks(item.get(key))
        if "block" not in item:
            yield item


def task_files():
    paths = sorted(REPO.glob("roles/*/tasks/*.yml")) + sorted(REPO.glob("roles/*/handlers/*.yml")) + sorted(
        REPO.glob("playbooks/**/*.yml"))
    for path in paths:
        data = yaml.safe_load(path.read_text()) or []
        items = []
        for item in data if isinstance(data, list) else []:
            plays = [key for key in ("pre_tasks", "tasks", "post_tasks", "handlers") if key in item]
            items += [task for key in plays for task in item[key] or []] if plays else [item]
        yield path, list(_tasks(items))


CASES = [(str(path.relative_to(REPO)), task) for path, tasks in task_files() for task in tasks
         if SENSITIVE.search(yaml.safe_dump({key: value for key, value in task.items() if key not in KEYWORDS}))]


@pytest.mark.parametrize("path,task", CASES, ids=["%s: %s" % (path, task.get("name")) for path, task in CASES])
def test_tasks_with_secrets_hide_them(path, task):
    assert "no_log" in task or task.get("name") in SHOWN, "%s: '%s' carries a secret: set no_log" % (path, task.get("name"))


def test_the_exceptions_still_exist():
    names = {task.get("name") for path, task in CASES}
    assert sorted(set(SHOWN) - names) == []
