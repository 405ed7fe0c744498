# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine's decisions as filters (logic in plugins/plugin_utils/engine.py and files.py)."""

from __future__ import annotations

from ansible_collections.osapi.wsgi.plugins.plugin_utils import engine
from ansible_collections.osapi.wsgi.plugins.plugin_utils import files
from ansible_collections.osapi.wsgi.plugins.plugin_utils import keystone
from ansible_collections.osapi.wsgi.plugins.plugin_utils import plan
from ansible_collections.osapi.wsgi.plugins.plugin_utils.filters import as_filters

# what the functions raise for input they cannot work with (plugin_utils/filters.py)
ERRORS = engine.EngineError


class FilterModule(object):
    """osapi.wsgi engine filters."""

    def filters(self):
        return as_filters({
            "hostport": engine.hostport,
            "connect_address": engine.connect_address,
            "loopback_address": engine.loopback_address,
            "ok_status": engine.ok_status,
            "unanswered": engine.unanswered,
            "apis": engine.apis,
            "node_apis": engine.node_apis,
            "resolve_service": engine.resolve_service,
            "check_shared": engine.check_shared,
            "host_apis": engine.host_apis,
            "check_service": engine.check_service,
            "registry_entry": engine.registry_entry,
            "venv_dir": engine.venv_dir,
            "key_rotation": keystone.key_rotation,
            "key_push": keystone.key_push,
            "primary_of": engine.primary_of,
            "service_files": files.service_files,
            "command_plan": plan.command_plan,
            "commands_due": plan.commands_due,
            "serve_plan": plan.serve_plan,
            "failed_step": plan.failed_step,
        }, ERRORS)
