# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenStack series as filters (logic in plugins/plugin_utils/series.py)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.osapi.wsgi.plugins.plugin_utils import series


def _wrap(function):
    def call(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except series.SeriesError as error:
            raise AnsibleFilterError(str(error))
    call.__name__ = function.__name__
    call.__doc__ = function.__doc__
    return call


class FilterModule(object):
    """osapi.wsgi series filters."""

    def filters(self):
        return {name: _wrap(function) for name, function in {
            "pip_constraints": series.pip_constraints,
            "release_for": series.release_for,
            "package_set_errors": series.package_set_errors,
        }.items()}
