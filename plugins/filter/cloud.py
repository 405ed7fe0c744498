# -*- coding: utf-8 -*-
# Copyright: osapi.wsgi contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a service reaches the rest of the cloud (database and transport URLs, the
keystone_authtoken and service_user sections, memcached, keystone's catalog), as filters
(logic in plugins/plugin_utils/cloud.py)."""

from __future__ import annotations

from ansible_collections.osapi.wsgi.plugins.plugin_utils import cloud
from ansible_collections.osapi.wsgi.plugins.plugin_utils.filters import as_filters

# what the functions raise for input they cannot work with (plugin_utils/filters.py)
ERRORS = cloud.CloudError


class FilterModule(object):
    """osapi.wsgi cloud wiring filters."""

    def filters(self):
        return as_filters({
            "cloud_layer": cloud.cloud_layer,
            "database_url": cloud.database_url,
            "endpoints": cloud.endpoints,
            "memcached_servers": cloud.memcached_servers,
            "inventory_services": cloud.inventory_services,
            "databases": cloud.databases,
            "messaging_services": cloud.messaging_services,
            "transport_url": cloud.transport_url,
            "notifications_layer": cloud.notifications_layer,
            "rabbitmq_definitions": cloud.rabbitmq_definitions,
            "erlang_ip": cloud.erlang_ip,
            "base_url": cloud.base_url,
            "needs_service_password": cloud.needs_service_password,
            "secret_names": cloud.secret_names,
            "ini_escape": cloud.ini_escape,
            "client_files": cloud.client_files,
        }, ERRORS)
