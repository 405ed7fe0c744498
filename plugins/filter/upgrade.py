# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What playbooks/upgrade.yml and playbooks/rollback.yml do, as filters (logic in
plugins/plugin_utils/upgrade.py)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.osapi.wsgi.plugins.plugin_utils import upgrade


def _wrap(function):
    def call(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except upgrade.UpgradeError as error:
            raise AnsibleFilterError(str(error))
    call.__name__ = function.__name__
    call.__doc__ = function.__doc__
    return call


class FilterModule(object):
    """osapi.wsgi upgrade filters."""

    def filters(self):
        return {name: _wrap(function) for name, function in {
            "upgrade_plan": upgrade.upgrade_plan,
            "rollback_plan": upgrade.rollback_plan,
            "upgrade_record": upgrade.upgrade_record,
        }.items()}
