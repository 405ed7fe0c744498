# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HAProxy's decisions and the TLS checks as filters (plugins/plugin_utils/haproxy.py, tls.py)."""

from __future__ import annotations

from ansible_collections.osapi.wsgi.plugins.plugin_utils import engine
from ansible_collections.osapi.wsgi.plugins.plugin_utils import haproxy
from ansible_collections.osapi.wsgi.plugins.plugin_utils.filters import as_filters

# what the functions raise for input they cannot work with (plugin_utils/filters.py)
ERRORS = engine.EngineError


class FilterModule(object):
    """osapi.wsgi HAProxy filters."""

    def filters(self):
        return as_filters({
            "haproxy_services": haproxy.haproxy_services,
            "haproxy_backends": haproxy.haproxy_backends,
            "haproxy_frontends": haproxy.haproxy_frontends,
            "haproxy_node_servers": haproxy.haproxy_node_servers,
            "proxy_addresses": haproxy.proxy_addresses,
            "check_haproxy": haproxy.check_haproxy,
            "vrrp_instance": haproxy.vrrp_instance,
        }, ERRORS)
