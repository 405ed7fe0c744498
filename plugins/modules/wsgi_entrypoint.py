#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: wsgi_entrypoint
short_description: Check that a WSGI entrypoint imports in a target interpreter
version_added: 0.1.0
description:
  - Imports C(package.module) of a C(package.module:callable) entrypoint in the given
    Python interpreter (usually a service's virtualenv), in a child process, and checks
    that the callable exists and is callable.
  - Reports how long the import took, the file the module came from and the
    distribution and version that provide it.
  - Fails with a message naming the problem (malformed entrypoint, missing interpreter,
    missing module, missing dependency, missing attribute, not callable, exception during
    import with the last lines of its traceback, timeout).
  - Meant to run before a WSGI server is (re)started, so a broken install or entrypoint
    never replaces a working service. It never changes anything.
options:
  entrypoint:
    description:
      - The entrypoint, as C(package.module:callable). The callable may be a dotted
        attribute path (C(package.module:app.wsgi)).
    type: str
    required: true
  virtualenv:
    description:
      - Virtualenv to check in; the interpreter is C(<virtualenv>/bin/python).
      - Mutually exclusive with O(python).
    type: path
  python:
    description:
      - Interpreter to check in. Mutually exclusive with O(virtualenv).
    type: path
  environment:
    description:
      - Extra environment variables for the import, e.g. the service's config directory
        (C(OS_KEYSTONE_CONFIG_DIR)). C(PYTHONPATH) of the calling environment is dropped.
    type: dict
    default: {}
  chdir:
    description:
      - Working directory of the import.
    type: path
  user:
    description:
      - Import as this system user (the user the server will run as), so files the import
        creates, such as log files, get the right owner. Needs root.
    type: str
  timeout:
    description:
      - Seconds the import may take.
    type: int
    default: 120
attributes:
  check_mode:
    support: full
    description: Runs the same in check mode; it only reads.
  diff_mode:
    support: none
    description: Nothing is changed, so there is no diff.
  platform:
    support: full
    platforms: posix
    description: Needs a POSIX target (subprocess, setuid when O(user) is given).
notes:
  - One of O(virtualenv) and O(python) is required.
author:
  - osapi.wsgi contributors (@osapi)
"""

EXAMPLES = r"""
- name: Check keystone's entrypoint in its virtualenv before restarting uWSGI
  osapi.wsgi.wsgi_entrypoint:
    entrypoint: keystone.wsgi.api:application
    virtualenv: /opt/openstack/keystone
    environment:
      OS_KEYSTONE_CONFIG_DIR: /etc/keystone
    user: keystone

- name: Check an entrypoint with a given interpreter and a short timeout
  osapi.wsgi.wsgi_entrypoint:
    entrypoint: placement.wsgi.api:application
    python: /opt/openstack/placement/bin/python3
    timeout: 30
  register: placement_entrypoint

- name: Show where it came from
  ansible.builtin.debug:
    msg: "{{ placement_entrypoint.distribution }} {{ placement_entrypoint.version }} from {{ placement_entrypoint.file }}"
"""

RETURN = r"""
entrypoint:
  description: The entrypoint that was checked.
  returned: always
  type: str
  sample: keystone.wsgi.api:application
module:
  description: The module part of the entrypoint.
  returned: success
  type: str
  sample: keystone.wsgi.api
callable:
  description: The attribute part of the entrypoint.
  returned: success
  type: str
  sample: application
callable_type:
  description: Type name of the callable.
  returned: success
  type: str
  sample: function
python:
  description: The interpreter that imported it.
  returned: success
  type: str
  sample: /opt/openstack/keystone/bin/python
uid:
  description: User id the import ran as.
  returned: when the probe ran
  type: int
  sample: 998
python_version:
  description: Version of that interpreter.
  returned: success
  type: str
  sample: 3.11.2
file:
  description: File the module was loaded from.
  returned: success
  type: str
  sample: /opt/openstack/keystone/lib/python3.11/site-packages/keystone/wsgi/api.py
import_seconds:
  description: Wall-clock seconds the import took.
  returned: success
  type: float
  sample: 2.314
distribution:
  description: Name of the installed distribution providing the top-level package, if found.
  returned: success
  type: str
  sample: keystone
version:
  description: Version of that distribution, if found.
  returned: success
  type: str
  sample: 28.0.0
error:
  description: >-
    Kind of failure: malformed, no_interpreter, no_user, timeout, exec_failed, probe_failed,
    module_not_found, dependency_not_found, import_error, missing_attribute, not_callable.
  returned: failure
  type: str
  sample: module_not_found
traceback_tail:
  description: Last lines of the traceback of a failed import.
  returned: when the import raised
  type: list
  elements: str
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.osapi.wsgi.plugins.module_utils.entrypoint import (
    EntrypointError,
    parse_entrypoint,
    run_probe,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            entrypoint=dict(type="str", required=True),
            virtualenv=dict(type="path"),
            python=dict(type="path"),
            environment=dict(type="dict", default={}),
            chdir=dict(type="path"),
            user=dict(type="str"),
            timeout=dict(type="int", default=120),
        ),
        mutually_exclusive=[("virtualenv", "python")],
        required_one_of=[("virtualenv", "python")],
        supports_check_mode=True,
    )
    params = module.params
    entrypoint = params["entrypoint"]
    try:
        parse_entrypoint(entrypoint)
    except EntrypointError as exc:
        module.fail_json(msg=str(exc), entrypoint=entrypoint, error="malformed", changed=False)

    python = params["python"] or os.path.join(params["virtualenv"], "bin", "python")
    try:
        report = run_probe(
            python,
            entrypoint,
            environment=params["environment"],
            chdir=params["chdir"],
            timeout=params["timeout"],
            user=params["user"],
        )
    except EntrypointError as exc:
        details = dict(exc.details)
        details.pop("ok", None)
        details.pop("msg", None)
        details["entrypoint"] = entrypoint
        module.fail_json(msg=str(exc), changed=False, **details)

    report.pop("ok", None)
    module.exit_json(changed=False, **report)


if __name__ == "__main__":
    main()
