# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One error pattern for the collection's filter plugins: the functions of plugin_utils
raise their own exceptions for input they cannot work with (a caller's bug, not a refused
setting: those are returned as messages); as filters, those become AnsibleFilterError with
the same message."""

from __future__ import annotations

import functools

from ansible.errors import AnsibleFilterError


def as_filters(functions, *errors):
    """{name: function} -> {name: filter}, each turning the exceptions `errors` into
    AnsibleFilterError."""
    def wrap(function):
        @functools.wraps(function)
        def call(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except errors as error:
                raise AnsibleFilterError(str(error))
        return call
    return {name: wrap(function) for name, function in functions.items()}
