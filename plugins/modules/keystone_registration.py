#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: keystone_registration
short_description: Register an OpenStack service in keystone in one call
version_added: 0.2.0
description:
  - Makes keystone's catalog and identity data of one service what the options say, in one
    connection. That is the project and roles services share, the service entries and their
    endpoints, the service user with its project roles, and any domain the service needs
    with its domain admin (for example heat's stack user domain).
  - Creates what is missing and corrects endpoint URLs; never deletes anything. A second
    run with the same options changes nothing.
  - A user that exists (the service user, a domain admin) is authenticated with the configured
    password; when keystone answers 401 the password is set to the configured one as the admin
    (a password changed in the inventory reaches keystone). The password is never in the
    output or on a command line.
  - Waits up to O(wait) seconds for keystone to answer, then fails with a message naming
    O(unreachable_hint).
  - Runs where openstacksdk is installed (usually the controller, with C(delegate_to)).
author: osapi.wsgi contributors (@osapi-wsgi)
requirements:
  - openstacksdk
extends_documentation_fragment:
  - osapi.wsgi.keystone_connection
options:
  project:
    description: The project the service users work in.
    type: str
    default: service
  roles:
    description: Roles that must exist (besides those of O(user)).
    type: list
    elements: str
    default: []
  services:
    description: Catalog services, each with C(name), C(type) and C(description).
    type: list
    elements: dict
    default: []
  endpoints:
    description:
      - Endpoints, each with C(service) (a dict with C(name) and C(type) from O(services)),
        C(interface) and C(url).
    type: list
    elements: dict
    default: []
  user:
    description:
      - The service user, in domain C(Default) with O(project) as its default project.
    type: dict
    suboptions:
      name:
        description: User name.
        type: str
        required: true
      password:
        description:
          - Password, set when the user is created, and set again whenever it does not
            authenticate (keystone answers 401 to it).
        type: str
        required: true
      roles:
        description: Roles of the user in O(project).
        type: list
        elements: str
        default: []
  domains:
    description: Domains the service needs.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Domain name.
        type: str
        required: true
      description:
        description: Domain description.
        type: str
        default: ''
      admin:
        description: A user of that domain with role admin on it (password from O(domain_admin_passwords)).
        type: str
  domain_admin_passwords:
    description:
      - Password of each domain admin of O(domains), by name (set on creation, and again
        whenever it does not authenticate).
    type: dict
    default: {}
attributes:
  check_mode:
    support: full
    description: Reports what it would create or correct, and changes nothing.
  diff_mode:
    support: none
    description: The changes are listed in RV(changes) instead.
"""

EXAMPLES = r"""
- name: Register placement in keystone
  osapi.wsgi.keystone_registration:
    auth:
      auth_url: http://192.0.2.10/identity
      username: admin
      password: "{{ keystone_admin_password }}"
      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    roles: [service]
    services:
      - {name: placement, type: placement, description: OpenStack placement}
    endpoints:
      - {service: {name: placement, type: placement}, interface: public, url: http://192.0.2.10/placement}
      - {service: {name: placement, type: placement}, interface: internal, url: http://10.0.0.10/placement}
    user: {name: placement, password: "{{ placement_service_password }}", roles: [admin, service]}
  delegate_to: localhost
  run_once: true
  no_log: true
"""

RETURN = r"""
changes:
  description: What was created or corrected, one line each (no secrets).
  returned: always
  type: list
  elements: str
  sample: ["service placement (placement) created", "endpoint public http://192.0.2.10/placement created"]
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.osapi.wsgi.plugins.module_utils import keystone_connection as connection


class Registrar(object):
    """Creates what is missing; records each change in self.changes.

    authenticates(name, password, domain_id): whether keystone accepts that password of
    the user (False on 401); a user whose configured password it refuses gets it set."""

    def __init__(self, conn, check_mode, authenticates):
        self.identity = conn.identity
        self.check_mode = check_mode
        self.authenticates = authenticates
        self.changes = []

    def note(self, text):
        self.changes.append(text)

    def ensure(self, found, label, create):
        """found, or what create() makes (None in check mode), noting the creation."""
        if found:
            return found
        self.note("%s created" % label)
        return None if self.check_mode else create()

    def project(self, name, domain_id="default"):
        return self.ensure(self.identity.find_project(name, domain_id=domain_id), "project %s" % name,
                           lambda: self.identity.create_project(name=name, domain_id=domain_id,
                                                                description="OpenStack services"))

    def role(self, name):
        return self.ensure(self.identity.find_role(name), "role %s" % name,
                           lambda: self.identity.create_role(name=name))

    def service(self, spec):
        found = [item for item in self.identity.services(type=spec["type"]) if item.name == spec["name"]]
        return self.ensure(found and found[0], "service %s (%s)" % (spec["name"], spec["type"]),
                           lambda: self.identity.create_service(name=spec["name"], type=spec["type"],
                                                                description=spec.get("description", ""),
                                                                is_enabled=True))

    def endpoint(self, service, interface, url, region):
        if service is None:
            self.note("endpoint %s %s created" % (interface, url))
            return
        found = [item for item in self.identity.endpoints(service_id=service.id, interface=interface)
                 if item.region_id == region]
        if found:
            if found[0].url != url:
                self.note("endpoint %s %s corrected (was %s)" % (interface, url, found[0].url))
                if not self.check_mode:
                    self.identity.update_endpoint(found[0], url=url)
            return
        self.note("endpoint %s %s created" % (interface, url))
        if not self.check_mode:
            self.identity.create_endpoint(service_id=service.id, interface=interface, url=url,
                                          region_id=region, is_enabled=True)

    def user(self, name, password, domain_id, default_project=None):
        attrs = {"name": name, "password": password, "domain_id": domain_id, "is_enabled": True}
        if default_project is not None:
            attrs["default_project_id"] = default_project.id
        found = self.identity.find_user(name, domain_id=domain_id)
        if found and not self.authenticates(name, password, domain_id):
            # the inventory's password changed (or keystone's was reset): keystone takes the
            # configured one, so the service's [keystone_authtoken] authenticates again
            self.note("user %s: password set (the configured one did not authenticate)" % name)
            if not self.check_mode:
                self.identity.update_user(found, password=password)
        return self.ensure(found, "user %s" % name, lambda: self.identity.create_user(**attrs))

    def project_role(self, project, user, role, label):
        if None in (project, user, role) or not self.identity.validate_user_has_project_role(project, user, role):
            self.note("role %s of %s in project %s granted" % (label[1], label[0], label[2]))
            if None not in (project, user, role) and not self.check_mode:
                self.identity.assign_project_role_to_user(project, user, role)

    def domain(self, spec, admin_role, password):
        found = self.ensure(self.identity.find_domain(spec["name"]), "domain %s" % spec["name"],
                            lambda: self.identity.create_domain(name=spec["name"], is_enabled=True,
                                                                description=spec.get("description") or ""))
        if not spec.get("admin"):
            return
        if found is None:  # check mode: the domain, and so its admin, do not exist yet
            self.note("user %s created, role admin on domain %s granted" % (spec["admin"], spec["name"]))
            return
        user = self.user(spec["admin"], password, found.id)
        if user is None or not self.identity.validate_user_has_domain_role(found, user, admin_role):
            self.note("role admin of %s on domain %s granted" % (spec["admin"], spec["name"]))
            if user is not None and not self.check_mode:
                self.identity.assign_domain_role_to_user(found, user, admin_role)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            connection.ARGUMENT_SPEC,
            project=dict(type="str", default="service"),
            roles=dict(type="list", elements="str", default=[]),
            services=dict(type="list", elements="dict", default=[]),
            endpoints=dict(type="list", elements="dict", default=[]),
            user=dict(type="dict", no_log=False, options=dict(
                name=dict(type="str", required=True),
                password=dict(type="str", required=True, no_log=True),
                roles=dict(type="list", elements="str", default=[]))),
            domains=dict(type="list", elements="dict", default=[], options=dict(
                name=dict(type="str", required=True),
                description=dict(type="str", default=""),
                admin=dict(type="str"))),
            domain_admin_passwords=dict(type="dict", default={}, no_log=True),
        ),
        supports_check_mode=True,
    )
    if connection.SDK_ERROR:
        module.fail_json(msg=missing_required_lib("openstacksdk"), exception=connection.SDK_ERROR)
    params = module.params
    conn = connection.connect(module)
    reg = Registrar(conn, module.check_mode, connection.authenticator(params))
    try:
        user = params["user"]
        role_names = list(params["roles"]) + (list(user["roles"]) if user else [])
        role_names += ["admin"] if params["domains"] else []
        roles = {}
        for name in role_names:
            if name not in roles:
                roles[name] = reg.role(name)
        project = reg.project(params["project"]) if user else None
        services = {}
        for spec in params["services"]:
            services[(spec["name"], spec["type"])] = reg.service(spec)
        for spec in params["endpoints"]:
            key = (spec["service"]["name"], spec["service"]["type"])
            if key not in services:
                module.fail_json(msg="endpoint %s names service %s (%s), which is not in services" % (
                    spec["url"], key[0], key[1]))
            reg.endpoint(services[key], spec["interface"], spec["url"], params["region_name"])
        if user:
            account = reg.user(user["name"], user["password"], "default", project)
            for name in user["roles"]:
                reg.project_role(project, account, roles[name], (user["name"], name, params["project"]))
        for spec in params["domains"]:
            password = params["domain_admin_passwords"].get(spec["admin"]) if spec["admin"] else None
            if spec["admin"] and not password:
                module.fail_json(msg="no password for %s, the admin of domain %s: set %s_password" % (
                    spec["admin"], spec["name"], spec["admin"]))
            reg.domain(spec, roles.get("admin"), password)
    except connection.CLIENT_ERRORS as error:
        module.fail_json(msg="keystone refused a registration step: %s" % error, changes=reg.changes)
    module.exit_json(changed=bool(reg.changes), changes=reg.changes)


if __name__ == "__main__":
    main()
