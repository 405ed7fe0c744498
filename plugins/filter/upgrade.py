# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What playbooks/upgrade.yml and playbooks/rollback.yml do, as filters (logic in
plugins/plugin_utils/upgrade.py)."""

from __future__ import annotations

from ansible_collections.osapi.wsgi.plugins.plugin_utils import upgrade
from ansible_collections.osapi.wsgi.plugins.plugin_utils.filters import as_filters

# what the functions raise for input they cannot work with (plugin_utils/filters.py)
ERRORS = upgrade.UpgradeError


class FilterModule(object):
    """osapi.wsgi upgrade filters."""

    def filters(self):
        return as_filters({
            "upgrade_services": upgrade.upgrade_services,
            "upgrade_plan": upgrade.upgrade_plan,
            "rollback_plan": upgrade.rollback_plan,
            "upgrade_record": upgrade.upgrade_record,
        }, ERRORS)
