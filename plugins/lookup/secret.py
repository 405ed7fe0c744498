# -*- coding: utf-8 -*-
# Copyright: osapi.wsgi contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: secret
author: osapi.wsgi contributors (@osapi)
version_added: 0.3.0
short_description: A deployment secret, given by the operator or generated once on the controller
description:
  - For each term (a variable name such as C(placement_database_password)), returns that
    variable's value when the operator set it (inventory, vault, extra vars), else the
    content of C(<dir>/<term>) on the controller, which is created on first use with a
    random value (0600, in a 0700 directory) and kept for every later run.
  - A term the osapi.wsgi catalog names as a per-deployment secret (a service's C(secrets)) is
    generated in the catalog's format (C(fernet) - 32 random bytes in URL-safe base64 - or
    letters and digits of the catalog's length), and an operator's value is checked against it.
  - An operator's value with a line break is refused (an ini option ends there); a C($) is
    accepted, the engine writes it into the ini files as C($$).
  - The value is never printed by this plugin; use C(no_log) on tasks that show it.
options:
  _terms:
    description: Variable names; with O(kind), the names of the services or users whose secret of that kind it is.
    required: true
    type: list
    elements: str
  kind:
    description:
      - The kind of secret of each term (V(service_password), V(database_password), V(messaging_password),
        V(password)); the variable is then C(<term>_<kind>).
    type: str
  dir:
    description:
      - Directory on the controller that keeps generated secrets.
      - Unset, the variable C(osapi_wsgi_secrets_dir).
    type: str
  length:
    description: Length of a generated secret (letters and digits) the catalog gives no format.
    type: int
    default: 32
"""

EXAMPLES = r"""
- name: The database password of placement
  ansible.builtin.set_fact:
    __pw: "{{ lookup('osapi.wsgi.secret', 'placement_database_password') }}"
  no_log: true

- name: The same, by service and kind
  ansible.builtin.set_fact:
    __pw: "{{ lookup('osapi.wsgi.secret', 'placement', kind='database_password') }}"
  no_log: true
"""

RETURN = r"""
_raw:
  description: One secret per term.
  type: list
  elements: str
"""

import fcntl
import os
import re

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.osapi.wsgi.plugins.plugin_utils import catalog as osapi_catalog
from ansible_collections.osapi.wsgi.plugins.plugin_utils import secrets as osapi_secrets

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def read_or_create(directory, name, length=32, fmt=osapi_secrets.DEFAULT_FORMAT):
    """The secret kept in directory/name, created in the format (default: `length` random
    letters and digits) the first time (0600 file, 0700 directory; a lock keeps parallel
    forks consistent)."""
    if not NAME.match(name):
        raise AnsibleLookupError("secret name '%s' must be a variable name" % name)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    path = os.path.join(directory, name)
    with open(os.path.join(directory, ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with open(path) as handle:
                value = handle.read().strip()
            if value:
                return value
        except FileNotFoundError:
            pass
        value = osapi_secrets.generate(fmt, length)
        descriptor = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(value + "\n")
        os.replace(path + ".tmp", path)
        return value


def secret_value(term, given, directory, length=32, formats=None):
    """The value of the secret `term`: the operator's (`given`, checked against the catalog's
    format of the term, else for a line break), else the one kept in `directory`, made in the
    catalog's format the first time."""
    formats = osapi_secrets.catalog_formats(osapi_catalog.load()) if formats is None else formats
    fmt, exact = formats.get(term, (osapi_secrets.DEFAULT_FORMAT, None))
    if given is None or str(given) == "":
        if not directory:
            raise AnsibleLookupError("%s is not set and osapi_wsgi_secrets_dir is empty: set one of them" % term)
        return read_or_create(str(directory), term, exact or length, fmt)
    errors = (osapi_secrets.check_value(term, given, fmt, exact) if term in formats
              else osapi_secrets.check_password(term, given))
    if errors:
        raise AnsibleLookupError(" ".join(errors))
    return str(given)


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        variables = variables or {}
        directory = self.get_option("dir")
        try:
            formats = osapi_secrets.catalog_formats(osapi_catalog.load())
        except (osapi_catalog.CatalogError, osapi_secrets.SecretError) as error:
            raise AnsibleLookupError(str(error))
        out = []
        for term in terms:
            try:
                term = osapi_secrets.variable_name(term, self.get_option("kind"))
            except osapi_secrets.SecretError as error:
                raise AnsibleLookupError(str(error))
            value = variables.get(term)
            if value is not None:
                value = self._templar.template(value)
            if (value is None or str(value) == "") and not directory:
                directory = self._templar.template(variables.get("osapi_wsgi_secrets_dir", ""))
            out.append(secret_value(term, value, directory, self.get_option("length"), formats))
        return out
