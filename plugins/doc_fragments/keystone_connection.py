# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of a module that talks to keystone (module_utils/keystone_connection.py)."""

from __future__ import annotations


class ModuleDocFragment(object):  # pylint: disable=too-few-public-methods
    DOCUMENTATION = r"""
options:
  auth:
    description: keystoneauth password credentials of an admin.
    type: dict
    required: true
    suboptions:
      auth_url:
        description: keystone's URL.
        type: str
        required: true
      username:
        description: User name.
        type: str
        required: true
      password:
        description: Password.
        type: str
        required: true
      project_name:
        description: Project the token is scoped to.
        type: str
        required: true
      user_domain_name:
        description: Domain of the user.
        type: str
        default: Default
      project_domain_name:
        description: Domain of the project.
        type: str
        default: Default
  region_name:
    description: Region of the endpoints, and the region the connection uses.
    type: str
    required: true
  interface:
    description: Endpoint interface the connection talks to keystone on.
    type: str
    default: internal
  ca_cert:
    description: CA bundle that signs keystone's certificate; empty for the system's.
    type: str
    default: ''
  wait:
    description: Seconds to wait for keystone to answer before failing.
    type: int
    default: 30
  unreachable_hint:
    description: What the operator can do when keystone cannot be reached (part of the error).
    type: str
    default: ''
"""
