#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: service_units
short_description: Start, restart, reload or remove several systemd units in one call
version_added: 0.2.0
description:
  - Brings a list of systemd units to the wanted state in one call (one connection round
    trip instead of one per unit), in this order. The units of O(remove) are stopped,
    disabled and their unit files under C(/etc/systemd/system) deleted; systemd reloads
    its unit files when O(daemon_reload) is set or a unit was removed; O(test_command)
    runs when any unit is to start, restart or reload, and a failure stops everything
    before that; then each unit of O(units) is enabled (or disabled) and started,
    restarted, reloaded or stopped as wanted.
  - Reports the units it started, restarted or reloaded in RV(touched), also on failure
    (the unit that failed is included), so that a rollback knows what to restart.
options:
  units:
    description: The units, in order.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Unit name (V(.service) is added to a name without a suffix).
        type: str
        required: true
      state:
        description:
          - V(started) starts an inactive unit; V(restarted) always restarts; V(reloaded)
            reloads an active unit and starts an inactive one; V(stopped) stops an active one.
        type: str
        choices: [started, restarted, reloaded, stopped]
        default: started
      enabled:
        description: Enable (V(true)) or disable (V(false)) at boot; unset leaves it.
        type: bool
  remove:
    description: Units to stop, disable and delete the unit file of.
    type: list
    elements: str
    default: []
  daemon_reload:
    description: Make systemd reread its unit files first.
    type: bool
    default: false
  test_command:
    description:
      - A command that must succeed before any unit starts, restarts or reloads, e.g.
        V([apache2ctl, -t]).
    type: list
    elements: str
attributes:
  check_mode:
    support: full
    description: Reports what would be done (RV(actions)) without doing it.
  diff_mode:
    support: none
    description: Units have no diff.
  platform:
    support: full
    platforms: posix
    description: Needs systemd.
author:
  - osapi.wsgi contributors (@osapi)
"""

EXAMPLES = r"""
- name: Restart keystone's API after a change, start placement's
  osapi.wsgi.service_units:
    daemon_reload: true
    units:
      - {name: keystone-api, state: restarted, enabled: true}
      - {name: placement-api, state: started, enabled: true}

- name: Test Apache's configuration, then reload it
  osapi.wsgi.service_units:
    test_command: [/usr/sbin/apache2ctl, -t]
    units:
      - {name: apache2, state: reloaded, enabled: true}
"""

RETURN = r"""
actions:
  description: What was done (in check mode, would be), per unit, in order.
  returned: always
  type: list
  elements: dict
  sample: [{unit: keystone-api, action: restart}]
touched:
  description: Units started, restarted or reloaded (with the one that failed).
  returned: always
  type: list
  elements: str
removed:
  description: Units of O(remove) that were removed.
  returned: always
  type: list
  elements: str
daemon_reloaded:
  description: Whether systemd reread its unit files.
  returned: always
  type: bool
test:
  description: The test command, its exit code and the end of its output.
  returned: when the test command ran
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.osapi.wsgi.plugins.module_utils.units import UnitsError, apply


def main():
    module = AnsibleModule(
        argument_spec=dict(
            units=dict(type="list", elements="dict", default=[], options=dict(
                name=dict(type="str", required=True),
                state=dict(type="str", default="started", choices=["started", "restarted", "reloaded", "stopped"]),
                enabled=dict(type="bool"),
            )),
            remove=dict(type="list", elements="str", default=[]),
            daemon_reload=dict(type="bool", default=False),
            test_command=dict(type="list", elements="str"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        result = apply(params["units"], params["remove"], params["daemon_reload"], params["test_command"],
                       check_mode=module.check_mode)
    except UnitsError as error:
        module.fail_json(msg=str(error), **error.result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
