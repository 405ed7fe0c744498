# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: service_settings
author: osapi.wsgi contributors (@osapi)
version_added: 0.4.0
short_description: The settings a service role hands the osapi.wsgi engine
description:
  - Reads, for one catalog service, the variables its role declares and the engine uses
    (C(<service>_version), C(_wsgi_mode), C(_wsgi_processes), C(_wsgi_threads), C(_config),
    C(_config_overrides), C(_pip_extra_packages), C(_uwsgi_overrides), C(_uwsgi_http_socket),
    C(_url_prefixes), C(_entrypoints), C(_extra_config_files), C(_primary_host),
    C(_request_timeout)) and the private ones of its C(vars/main.yml) (C(__<service>_commands),
    C(__<service>_primary_dirs), C(__<service>_venv_files)), each templated.
  - The one place that builds these names (C(plugins/plugin_utils/engine.py), C(SETTINGS));
    every service role's argument spec declares the public ones.
  - C(primary_host) is C(<service>_primary_host) when set, else the first host of the service's
    group (this host when it is not in the group).
options:
  _terms:
    description: The service (a key of the catalog).
    required: true
    type: list
    elements: str
  only:
    description:
      - Just these settings (e.g. V([version])), a missing one as its default; for playbooks, which run outside
        the service's role (none is then required).
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: What the placement role hands the engine
  ansible.builtin.debug:
    msg: "{{ lookup('osapi.wsgi.service_settings', 'placement') }}"
"""

RETURN = r"""
_raw:
  description: One mapping of setting name to value per term.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.osapi.wsgi.plugins.plugin_utils import engine


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        variables = variables or {}

        def read(name):
            if name not in variables:
                return False, None
            return True, self._templar.template(variables[name])

        out = []
        for name in terms:
            try:
                out.append(engine.service_inputs(str(name), read, variables.get("groups"),
                                                 variables.get("inventory_hostname"), self.get_option("only")))
            except engine.EngineError as error:
                raise AnsibleLookupError(str(error)) from None
        return out
