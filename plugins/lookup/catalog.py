# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: catalog
author: osapi.wsgi contributors (@osapi)
version_added: 0.1.0
short_description: The osapi.wsgi service catalog, its public contract
description:
  - Returns what each OpenStack API service deployed by osapi.wsgi is (PyPI package, WSGI
    entrypoints, URL prefixes, registered ports, standalone servers, config file and
    environment), read from C(roles/osapi_wsgi/vars/catalog.yml) of this collection.
  - This lookup is the documented way for roles, playbooks, scripts and integrators to read
    the catalog; the file's layout is not part of the contract.
  - Without terms, the whole catalog (a mapping of service name to entry). With service
    names, their entries (an unknown name is an error that lists the known ones).
  - With O(deploy_order=true), the list of every service in deploy order (keystone first,
    then catalog order); C(playbooks/deploy.yml) and C(playbooks/rolling.yml) use it.
options:
  _terms:
    description: Service names (keys of the catalog).
    required: false
    type: list
    elements: str
  deploy_order:
    description: Return the deploy order instead of entries.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Every service of the catalog
  ansible.builtin.debug:
    msg: "{{ lookup('osapi.wsgi.catalog').keys() | list }}"

- name: keystone's APIs
  ansible.builtin.debug:
    msg: "{{ lookup('osapi.wsgi.catalog', 'keystone').apis | map(attribute='prefix') | list }}"

- name: Deploy the services of this host in order
  ansible.builtin.include_role:
    name: osapi.wsgi.{{ item }}
  loop: "{{ lookup('osapi.wsgi.catalog', deploy_order=true) | select('in', group_names) | list }}"
"""

RETURN = r"""
_raw:
  description:
    - The catalog mapping (no terms), one entry per term, or the deploy order (a list of names).
  type: raw
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.osapi.wsgi.plugins.plugin_utils import catalog as osapi_catalog


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        try:
            data = osapi_catalog.load()
            if self.get_option("deploy_order"):
                return [osapi_catalog.deploy_order(data)]
            if not terms:
                return [data]
            return [osapi_catalog.entry(data, name) for name in terms]
        except osapi_catalog.CatalogError as error:
            raise AnsibleLookupError(str(error))
