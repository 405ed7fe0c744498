"""osapi.wsgi.secret: generated once, kept 0600 in a 0700 directory, operator's value wins."""
from __future__ import annotations

import os
import stat

import pytest
from ansible.errors import AnsibleLookupError

from ansible_collections.osapi.wsgi.plugins.lookup import secret
from ansible_collections.osapi.wsgi.plugins.plugin_utils import secrets


def test_generated_once_and_kept(tmp_path):
    directory = tmp_path / "secrets"
    first = secret.read_or_create(str(directory), "glance_database_password")
    assert len(first) == 32 and first.isalnum()
    assert secret.read_or_create(str(directory), "glance_database_password") == first
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(directory / "glance_database_password").st_mode) == 0o600
    assert secret.read_or_create(str(directory), "placement_database_password") != first


def test_names_that_are_not_variables_are_refused(tmp_path):
    with pytest.raises(AnsibleLookupError, match="variable name"):
        secret.read_or_create(str(tmp_path), "../etc/passwd")


def test_a_secret_by_service_and_kind_is_the_variable_the_roles_document():
    assert secrets.variable_name("placement", "database_password") == "placement_database_password"
    assert secrets.variable_name("heat_domain_admin", "password") == "heat_domain_admin_password"
    assert secrets.variable_name("osapi_wsgi_memcache_secret_key") == "osapi_wsgi_memcache_secret_key"
    with pytest.raises(secrets.SecretError, match="not one of"):
        secrets.variable_name("placement", "database")
