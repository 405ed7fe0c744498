"""keystone_registration's password decision without a keystone: a user whose configured
password keystone refuses (401) gets it set as the admin, one that authenticates is left
alone, check mode only reports, and no password is ever in what the module reports."""
from __future__ import annotations

import types

import pytest

from ansible_collections.osapi.wsgi.plugins.module_utils import keystone_connection
from ansible_collections.osapi.wsgi.plugins.modules import keystone_registration

SECRET = "n3w-s3cret"


class Identity(object):
    """keystone's users as openstacksdk's identity proxy shows them (find, create, update)."""

    def __init__(self, users):
        self.users = dict(users)
        self.updated = []

    def find_user(self, name, domain_id=None):
        return types.SimpleNamespace(id="id-" + name, name=name) if name in self.users else None

    def create_user(self, **attrs):
        self.users[attrs["name"]] = attrs["password"]
        return types.SimpleNamespace(id="id-" + attrs["name"], name=attrs["name"])

    def update_user(self, user, password=None):
        self.users[user.name] = password
        self.updated.append(user.name)


def registrar(users, check_mode=False):
    identity = Identity(users)
    tried = []

    def authenticates(name, password, domain_id):
        tried.append((name, domain_id))
        return identity.users.get(name) == password

    reg = keystone_registration.Registrar(types.SimpleNamespace(identity=identity), check_mode, authenticates)
    return reg, identity, tried


def test_a_password_that_authenticates_is_left_alone():
    reg, identity, tried = registrar({"placement": SECRET})
    assert reg.user("placement", SECRET, "default").name == "placement"
    assert reg.changes == [] and identity.updated == [] and tried == [("placement", "default")]


def test_a_refused_password_is_set_to_the_configured_one():
    reg, identity, _tried = registrar({"placement": "old"})
    reg.user("placement", SECRET, "default")
    assert identity.updated == ["placement"] and identity.users["placement"] == SECRET
    assert reg.changes == ["user placement: password set (the configured one did not authenticate)"]
    assert SECRET not in " ".join(reg.changes)
    # the next run authenticates: nothing to do
    again, _identity, _tried = registrar(identity.users)
    again.user("placement", SECRET, "default")
    assert again.changes == []


def test_check_mode_reports_the_password_change_and_changes_nothing():
    reg, identity, _tried = registrar({"placement": "old"}, check_mode=True)
    reg.user("placement", SECRET, "default")
    assert identity.updated == [] and identity.users["placement"] == "old"
    assert reg.changes == ["user placement: password set (the configured one did not authenticate)"]


def test_a_new_user_is_created_without_an_authentication():
    reg, identity, tried = registrar({})
    reg.user("placement", SECRET, "default")
    assert tried == [] and identity.users == {"placement": SECRET} and reg.changes == ["user placement created"]


def test_a_domain_admin_is_authenticated_in_its_domain():
    reg, identity, tried = registrar({"heat_domain_admin": "old"})
    reg.user("heat_domain_admin", SECRET, "id-heat")
    assert tried == [("heat_domain_admin", "id-heat")] and identity.updated == ["heat_domain_admin"]


@pytest.mark.parametrize("error, expected", [(None, True), ("Unauthorized", False)])
def test_the_authenticator_reads_401_as_a_refused_password(monkeypatch, error, expected):
    seen = {}

    def get_token(session):
        seen["auth"] = session.auth
        if error:
            raise getattr(keystone_connection.ks_exceptions, error)()
        return "token"

    monkeypatch.setattr(keystone_connection.ks_session.Session, "get_token", get_token)
    params = {"auth": {"auth_url": "http://127.0.0.1/identity"}, "ca_cert": ""}
    assert keystone_connection.authenticator(params)("placement", SECRET, "default") is expected
    assert seen["auth"].auth_url == "http://127.0.0.1/identity"


def test_other_failures_are_not_read_as_a_refused_password(monkeypatch):
    def get_token(_session):
        raise keystone_connection.ks_exceptions.ConnectFailure("down")

    monkeypatch.setattr(keystone_connection.ks_session.Session, "get_token", get_token)
    params = {"auth": {"auth_url": "http://127.0.0.1/identity"}, "ca_cert": ""}
    with pytest.raises(keystone_connection.ks_exceptions.ConnectFailure):
        keystone_connection.authenticator(params)("placement", SECRET, "default")
