#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: venv_switch
short_description: Switch a service's stable venv path to another versioned venv, atomically
version_added: 0.3.0
description:
  - Each release of a service is installed into its own venv, C(<root>/<service>-<tag>); the
    stable path C(<root>/<service>) that units, uWSGI, mod_wsgi and setup commands use is a
    symlink to the active one. This module runs C(pip check) in the venv O(target) and then
    points O(path) at it by renaming a new symlink over the old one, so readers see the old
    or the new venv and never none. A failed check switches nothing.
  - A plain venv directory at O(path) (the layout before versioned venvs) is first renamed
    to C(<path>-<its version of O(package)>).
  - Keeps the active venv and the O(keep) venvs active before it (their order is in
    C(<root>/.osapi-venvs-<service>.json)); older ones are removed.
options:
  path:
    description: The stable path, for example C(/opt/openstack/keystone).
    type: path
    required: true
  target:
    description: The venv to make active, for example C(/opt/openstack/keystone-30.0.0).
    type: path
    required: true
  keep:
    description: How many venvs active before the new one stay (for a switch back).
    type: int
    default: 1
  package:
    description: The distribution whose version names a plain venv directory found at O(path).
    type: str
    default: ""
  pip_check:
    description: Run C(pip check) in O(target) first and switch only when it passes.
    type: bool
    default: true
  uv:
    description:
      - A uv binary to make the check with (C(uv pip check --python <target>/bin/python)) instead of starting
        the venv's pip; the venv's pip when it is not set or not there.
    type: path
author:
  - osapi.wsgi contributors (@osapi)
attributes:
  check_mode:
    support: full
    description: Reports the switch and the removals without making them (C(pip check) still runs).
  diff_mode:
    support: none
    description: No diff.
"""

EXAMPLES = r"""
- name: Make keystone 30.0.0 the active venv, keeping one previous release
  osapi.wsgi.venv_switch:
    path: /opt/openstack/keystone
    target: /opt/openstack/keystone-30.0.0
    keep: 1
    package: keystone
"""

RETURN = r"""
previous:
  description: The venv that was active before (V(null) when there was none).
  returned: always
  type: str
  sample: /opt/openstack/keystone-29.0.0
active:
  description: The venv active now.
  returned: always
  type: str
migrated:
  description: Where a plain venv directory found at O(path) was moved (empty when none).
  returned: always
  type: str
kept:
  description: The previous venvs kept, the latest first.
  returned: always
  type: list
  elements: str
removed:
  description: The old venvs removed.
  returned: always
  type: list
  elements: str
pip_check:
  description: What C(pip check) printed.
  returned: always
  type: str
installed:
  description: The distributions installed in O(target), as C(pip freeze) lists them (C(name==version), sorted).
  returned: always
  type: list
  elements: str
installed_digest:
  description: 12 hex digits of the SHA-1 of RV(installed); nodes with the same package set have the same digest.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.osapi.wsgi.plugins.module_utils.venvs import VenvError, switch


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            target=dict(type="path", required=True),
            keep=dict(type="int", default=1),
            package=dict(type="str", default=""),
            pip_check=dict(type="bool", default=True),
            uv=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if params["keep"] < 0:
        module.fail_json(msg="keep is %d: set osapi_wsgi_venvs_kept to 0 or more" % params["keep"])
    try:
        result = switch(params["path"], params["target"], params["keep"], params["package"], params["pip_check"],
                        module.check_mode, uv=params["uv"])
    except VenvError as error:
        module.fail_json(msg=str(error), **error.result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
