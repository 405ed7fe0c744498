#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: service_probe
short_description: Read in one call what a service's deploy needs to know about the host
version_added: 0.2.0
description:
  - Reads, in one call (one connection round trip instead of one per stat, slurp and
    state query), which paths exist, the content of a JSON file, which Debian packages are
    missing, whether system users and groups exist as wanted, and the state of systemd
    units. The osapi.wsgi engine calls it once per service and skips every step whose
    result is already on the host.
  - It never changes anything.
options:
  paths:
    description: Paths whose existence is reported in RV(exists) (symbolic links are followed).
    type: list
    elements: path
    default: []
  json_file:
    description: A JSON file to read into RV(json) (a missing file reads as V({})).
    type: path
  packages:
    description: Debian packages; those not installed are returned in RV(missing_packages).
    type: list
    elements: str
    default: []
  users:
    description: System users, each compared with the host's passwd entry.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: User name.
        type: str
        required: true
      group:
        description: Primary group name.
        type: str
      home:
        description: Home directory.
        type: str
      shell:
        description: Login shell.
        type: str
      comment:
        description: GECOS field.
        type: str
  groups:
    description: Group names whose existence is reported in RV(groups).
    type: list
    elements: str
    default: []
  units:
    description: systemd units (V(.service) is added to a name without a suffix).
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    support: full
    description: Runs the same in check mode; it only reads.
  diff_mode:
    support: none
    description: Nothing is changed.
  platform:
    support: full
    platforms: debian
    description: Packages are looked up with C(dpkg-query), units with C(systemctl show).
author:
  - osapi.wsgi contributors (@osapi)
"""

EXAMPLES = r"""
- name: Look at the host once
  osapi.wsgi.service_probe:
    paths: [/opt/openstack/keystone/.osapi-pip-0123abcd]
    json_file: /etc/ansible/facts.d/osapi_wsgi.fact
    packages: [apache2, uwsgi-core]
    users:
      - {name: keystone, group: keystone, home: /var/lib/keystone, shell: /usr/sbin/nologin}
    groups: [keystone]
    units: [keystone-api, apache2]
  register: host

- name: Install Apache only when it is missing
  ansible.builtin.apt:
    name: "{{ host.missing_packages }}"
  when: host.missing_packages | length > 0
"""

RETURN = r"""
exists:
  description: For each of O(paths), whether it exists.
  returned: always
  type: dict
  sample: {/opt/openstack/keystone/.osapi-pip-0123abcd: true}
json:
  description: The content of O(json_file) (V({}) when missing or not JSON).
  returned: when O(json_file) is given
  type: raw
json_error:
  description: Why O(json_file) could not be read.
  returned: when it exists but is not JSON
  type: str
missing_packages:
  description: The packages of O(packages) that are not installed.
  returned: when O(packages) is given
  type: list
  elements: str
apt_lists:
  description: Whether apt has package lists (a fresh image has none).
  returned: when O(packages) is given
  type: bool
users:
  description: For each of O(users), whether it exists as wanted.
  returned: always
  type: dict
  sample: {keystone: true}
groups:
  description: For each of O(groups), whether it exists.
  returned: always
  type: dict
units:
  description: For each of O(units), C(active) (ActiveState) and C(enabled) (UnitFileState).
  returned: always
  type: dict
  sample: {keystone-api: {active: active, enabled: enabled}}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.osapi.wsgi.plugins.module_utils.probe import probe


def main():
    module = AnsibleModule(
        argument_spec=dict(
            paths=dict(type="list", elements="path", default=[]),
            json_file=dict(type="path"),
            packages=dict(type="list", elements="str", default=[]),
            users=dict(type="list", elements="dict", default=[], options=dict(
                name=dict(type="str", required=True), group=dict(type="str"), home=dict(type="str"),
                shell=dict(type="str"), comment=dict(type="str"))),
            groups=dict(type="list", elements="str", default=[]),
            units=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )
    params = module.params
    result = probe(params["paths"], params["json_file"], params["packages"], params["users"], params["groups"],
                   params["units"])
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
