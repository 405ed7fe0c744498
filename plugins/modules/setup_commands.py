#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: setup_commands
short_description: Run a service's setup commands, each once, in one call
version_added: 0.2.0
description:
  - Runs a list of commands in order (key creation, database sync, bootstrap), each only
    when it is due, and stops at the first that fails. One call checks and runs them all
    (one connection round trip instead of a stat, a command and stamp writes per command).
  - A command is due when its O(commands[].creates) path is missing, or when
    O(commands[].force) is set. With O(commands[].stamp), that path is a stamp file the
    module writes (mode 0600, in a directory of mode 0700) after a successful run; the
    caller names the stamp after the command line and the config, so a change of either
    runs the command again.
  - The osapi.wsgi engine builds the list with the osapi.wsgi.command_plan filter from
    the service role's C(__<service>_commands).
options:
  commands:
    description: The commands, in order.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Short name (messages, stamp file content).
        type: str
        required: true
      argv:
        description: Command line; argv[0] is an absolute path.
        type: list
        elements: str
        required: true
      user:
        description: Run as this user (through C(runuser) when it is not the current one).
        type: str
      environment:
        description:
          - More environment variables of this command (secrets go here, never into argv).
          - Their values are never shown in the module's output.
        type: dict
        default: {}
      creates:
        description: The command is done while this path exists.
        type: path
        required: true
      stamp:
        description: Write O(commands[].creates) as a stamp after a successful run.
        type: bool
        default: false
      force:
        description: Run even though O(commands[].creates) exists.
        type: bool
        default: false
      no_log:
        description: Leave the command line and its output out of the result.
        type: bool
        default: false
  chdir:
    description: Working directory of every command.
    type: path
  environment:
    description: Environment variables of every command (not secret, they may be shown).
    type: dict
    default: {}
attributes:
  check_mode:
    support: full
    description: Reports which commands are due (changed) without running any.
  diff_mode:
    support: none
    description: Commands have no diff.
  platform:
    support: full
    platforms: posix
    description: Runs the commands as another user with C(runuser) (util-linux), which needs root.
author:
  - osapi.wsgi contributors (@osapi)
"""

EXAMPLES = r"""
- name: Set keystone up
  osapi.wsgi.setup_commands:
    chdir: /var/lib/keystone
    environment:
      OS_KEYSTONE_CONFIG_DIR: /etc/keystone
    commands:
      - name: fernet_setup
        argv: [/opt/openstack/keystone/bin/keystone-manage, fernet_setup]
        user: root
        creates: /etc/keystone/fernet-keys/0
      - name: db_sync
        argv: [/opt/openstack/keystone/bin/keystone-manage, db_sync]
        user: keystone
        creates: /var/lib/keystone/.osapi/db_sync.0123456789abcdef
        stamp: true
"""

RETURN = r"""
ran:
  description: Names of the commands that ran (in check mode, that are due).
  returned: always
  type: list
  elements: str
  sample: [db_sync]
not_due:
  description: Names of the commands that were not due.
  returned: always
  type: list
  elements: str
results:
  description:
    - One entry per command that ran, with C(name), C(why) it was due, C(rc), and (unless
      the command is no_log) C(cmd) and the last lines of C(stdout) and C(stderr).
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.osapi.wsgi.plugins.module_utils.commands import CommandError, run_all


def main():
    module = AnsibleModule(
        argument_spec=dict(
            commands=dict(type="list", elements="dict", required=True, options=dict(
                name=dict(type="str", required=True),
                argv=dict(type="list", elements="str", required=True),
                user=dict(type="str"),
                environment=dict(type="dict", default={}, no_log=True),
                creates=dict(type="path", required=True),
                stamp=dict(type="bool", default=False),
                force=dict(type="bool", default=False),
                no_log=dict(type="bool", default=False),
            )),
            chdir=dict(type="path"),
            environment=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        result = run_all(params["commands"], params["chdir"], params["environment"], check_mode=module.check_mode)
    except CommandError as error:
        module.fail_json(msg=str(error), **error.result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
