# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a module of this collection talks to keystone: its connection options (ARGUMENT_SPEC,
documented by the doc fragment osapi.wsgi.keystone_connection), one openstacksdk connection
that waits for keystone and names what to set when it cannot reach it or is refused
(connect), and a check of a user's password (authenticator). The pattern is openstack.cloud's
OpenStackModule, kept small: the registration is the only caller today."""

from __future__ import annotations

import time
import traceback

try:
    import openstack
    from openstack import exceptions as sdk_exceptions
    from keystoneauth1 import exceptions as ks_exceptions
    from keystoneauth1 import session as ks_session
    from keystoneauth1.identity import generic as ks_identity
    SDK_ERROR = None
    # what a keystone call may raise that a module reports as keystone's refusal
    CLIENT_ERRORS = (sdk_exceptions.SDKException, ks_exceptions.ClientException)
except ImportError:  # pragma: no cover - reported by the module
    SDK_ERROR = traceback.format_exc()
    CLIENT_ERRORS = ()

ARGUMENT_SPEC = dict(
    auth=dict(type="dict", required=True, options=dict(
        auth_url=dict(type="str", required=True),
        username=dict(type="str", required=True),
        password=dict(type="str", required=True, no_log=True),
        project_name=dict(type="str", required=True),
        user_domain_name=dict(type="str", default="Default"),
        project_domain_name=dict(type="str", default="Default"))),
    region_name=dict(type="str", required=True),
    interface=dict(type="str", default="internal"),
    ca_cert=dict(type="str", default=""),
    wait=dict(type="int", default=30),
    unreachable_hint=dict(type="str", default=""),
)


def connect(module):
    """An authorized openstacksdk connection as the module's admin; waits up to `wait`
    seconds for keystone, then fails the module saying whether keystone does not answer or
    refuses the credentials, with `unreachable_hint`."""
    params = module.params
    deadline = time.time() + params["wait"]
    while True:
        try:
            conn = openstack.connect(auth=params["auth"], auth_type="password", region_name=params["region_name"],
                                     interface=params["interface"], cacert=params["ca_cert"] or None,
                                     load_yaml_config=False, load_envvars=False)
            conn.authorize()
            return conn
        except (sdk_exceptions.SDKException, OSError) as error:
            unauthorized = isinstance(error, sdk_exceptions.HttpException) and error.status_code in (401, 403)
            if unauthorized or time.time() >= deadline:
                what = "refuses the admin credentials" if unauthorized else "does not answer"
                module.fail_json(msg="keystone at %s %s (%s). %s" % (
                    params["auth"].get("auth_url"), what, type(error).__name__, params["unreachable_hint"]))
            time.sleep(2)


def authenticator(params):
    """authenticates(name, password, domain_id) against the admin's keystone: an unscoped
    token for the user; False when keystone answers 401, any other failure raised."""
    def authenticates(name, password, domain_id):
        auth = ks_identity.Password(auth_url=params["auth"]["auth_url"], username=name, password=password,
                                    user_domain_id=domain_id)
        session = ks_session.Session(auth=auth, verify=params["ca_cert"] or True)
        try:
            session.get_token()
        except ks_exceptions.Unauthorized:
            return False
        return True
    return authenticates
