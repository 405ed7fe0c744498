#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: service_rollback
short_description: Put a service back as it was before a deploy that failed
version_added: 0.4.0
description:
  - The other half of the snapshot that M(osapi.wsgi.service_files) saves before a service's first file
    changes. In this order - what of O(paths) exists now is archived into O(rejected) (kept for
    inspection) and removed, and O(snapshot) is extracted; the service's stable venv path is pointed back
    at O(venv_previous) when the run switched it; systemd rereads its units; each unit of O(units) (those
    the run started, restarted or reloaded) is restarted when its unit file was in the snapshot
    (O(saved)), else stopped, disabled and its unit file removed; then, when O(reload_apache) is set,
    Apache's configuration is tested and Apache reloaded.
  - Returns what it did (RV(restarted), RV(stopped), RV(apache_reloaded), RV(venv)), also in
    RV(stdout_lines) as one line each, for the deploy's failure message.
options:
  snapshot:
    description: The snapshot archive (a tar of paths relative to /).
    type: path
    required: true
  saved:
    description: The paths the snapshot holds, relative to / (as M(osapi.wsgi.service_files) returned them).
    type: list
    elements: str
    default: []
  paths:
    description: Every path the snapshot covers (whether or not it existed when it was taken).
    type: list
    elements: path
    required: true
  rejected:
    description: Where the files of the failed run are kept (a tar archive).
    type: path
    required: true
  venv:
    description: The service's stable venv path (a symlink to the active versioned venv).
    type: path
  venv_previous:
    description: The venv the run switched away from; empty when the run did not switch.
    type: path
  units:
    description: The units the run started, restarted or reloaded.
    type: list
    elements: str
    default: []
  reload_apache:
    description: Test Apache's configuration and reload it (the run reloaded it, or restarted mod_wsgi daemons).
    type: bool
    default: false
  apache_test:
    description: Apache's configuration test.
    type: list
    elements: str
    default: [apache2ctl, -t]
  apache_service:
    description: Apache's unit.
    type: str
    default: apache2
attributes:
  check_mode:
    support: none
    description: A rollback only runs after a failure in a real run.
  diff_mode:
    support: none
    description: No diff.
  platform:
    support: full
    platforms: posix
    description: Needs systemd and tar.
author:
  - osapi.wsgi contributors (@osapi)
"""

EXAMPLES = r"""
- name: Put keystone back
  osapi.wsgi.service_rollback:
    snapshot: /var/backups/osapi-wsgi/keystone.tar
    saved: [etc/keystone, etc/systemd/system/keystone-api.service]
    paths: [/etc/keystone, /etc/systemd/system/keystone-api.service]
    rejected: /var/backups/osapi-wsgi/keystone.rejected.tar
    units: [keystone-api]
    reload_apache: true
"""

RETURN = r"""
restarted:
  description: Units restarted on the files put back.
  returned: always
  type: list
  elements: str
stopped:
  description: Units stopped and removed (the run had added them).
  returned: always
  type: list
  elements: str
apache_reloaded:
  description: Whether Apache was reloaded (its test passed).
  returned: always
  type: bool
venv:
  description: The venv the stable path points at again, when the run had switched it.
  returned: always
  type: str
stdout_lines:
  description: One line per action.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.osapi.wsgi.plugins.module_utils import files, units, venvs


def rollback(params):
    """What the module does (see DOCUMENTATION); raises FilesError or UnitsError."""
    result = {"changed": True, "restarted": [], "stopped": [], "apache_reloaded": False, "venv": "",
              "stdout_lines": []}
    files.restore_snapshot(params["snapshot"], params["paths"], params["rejected"])
    if params.get("venv") and params.get("venv_previous"):
        # after the files: the restore above went through the new venv's link
        venvs.relink(params["venv"], params["venv_previous"])
        result["venv"] = params["venv_previous"]
        result["stdout_lines"].append("venv back to %s" % params["venv_previous"].rstrip("/").rsplit("/", 1)[-1])
    saved = set(params.get("saved") or [])
    keep = [name for name in params["units"] if "%s/%s" % (units.UNIT_DIR.lstrip("/"), units.full(name)) in saved]
    gone = [name for name in params["units"] if name not in keep]
    done = units.apply([{"name": name, "state": "restarted"} for name in keep], gone, daemon_reload=True)
    result["restarted"], result["stopped"] = keep, done["removed"]
    result["stdout_lines"] += ["restarted %s" % name for name in keep] + ["stopped %s" % name for name in gone]
    if params["reload_apache"]:
        try:
            units.apply([{"name": params["apache_service"], "state": "reloaded"}], test_command=params["apache_test"])
            result["apache_reloaded"] = True
            result["stdout_lines"].append("reloaded Apache")
        except units.UnitsError as error:
            result["stdout_lines"].append("Apache not reloaded: %s" % str(error).splitlines()[0][:300])
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            snapshot=dict(type="path", required=True),
            saved=dict(type="list", elements="str", default=[]),
            paths=dict(type="list", elements="path", required=True),
            rejected=dict(type="path", required=True),
            venv=dict(type="path"),
            venv_previous=dict(type="path"),
            units=dict(type="list", elements="str", default=[]),
            reload_apache=dict(type="bool", default=False),
            apache_test=dict(type="list", elements="str", default=["apache2ctl", "-t"]),
            apache_service=dict(type="str", default="apache2"),
        ),
        supports_check_mode=False,
    )
    try:
        module.exit_json(**rollback(module.params))
    except (files.FilesError, units.UnitsError, OSError) as error:
        module.fail_json(msg="rollback failed: %s" % error)


if __name__ == "__main__":
    main()
