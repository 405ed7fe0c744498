# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenStack series as filters (logic in plugins/plugin_utils/series.py)."""

from __future__ import annotations

from ansible_collections.osapi.wsgi.plugins.plugin_utils import series
from ansible_collections.osapi.wsgi.plugins.plugin_utils.filters import as_filters

# what the functions raise for input they cannot work with (plugin_utils/filters.py)
ERRORS = series.SeriesError


class FilterModule(object):
    """osapi.wsgi series filters."""

    def filters(self):
        return as_filters({
            "pip_constraints": series.pip_constraints,
            "release_for": series.release_for,
            "package_set_errors": series.package_set_errors,
            "memcached_tls_supported": series.memcached_tls_supported,
        }, ERRORS)
