# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The osapi.wsgi service catalog: where it is, how it is read, the deploy order.

The one reader of ``roles/osapi_wsgi/vars/catalog.yml``: the ``osapi.wsgi.catalog`` lookup,
the engine, the scripts (loaded by file path, without Ansible) and the unit tests use it.
"""

from __future__ import annotations

import os

import yaml

CATALOG_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                            "roles", "osapi_wsgi", "vars", "catalog.yml")
CATALOG_KEY = "osapi_wsgi_catalog"
# Deployed before every other service: the others register in it and validate tokens
# against it.
DEPLOY_FIRST = ("keystone",)

_CACHE = {}


class CatalogError(Exception):
    """The catalog file is missing, malformed, or does not know a service."""


def load(path=CATALOG_FILE):
    """The catalog mapping {service: entry}, read once per file version."""
    try:
        stamp = os.stat(path).st_mtime_ns
    except OSError as error:
        raise CatalogError("cannot read the osapi.wsgi catalog %s: %s" % (path, error))
    cached = _CACHE.get(path)
    if cached and cached[0] == stamp:
        return cached[1]
    with open(path) as handle:
        # libyaml's loader where PyYAML has it: ten times faster (6 ms instead of 56 ms for
        # the catalog), and Ansible reads it afresh in the worker process of most tasks
        data = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    catalog = data.get(CATALOG_KEY) if isinstance(data, dict) else None
    if not isinstance(catalog, dict) or not catalog:
        raise CatalogError("%s has no mapping %s" % (path, CATALOG_KEY))
    _CACHE[path] = (stamp, catalog)
    return catalog


def entry(catalog, name):
    """One service's entry, or an error naming the known services."""
    if name not in catalog:
        raise CatalogError(
            "'%s' is not in the osapi.wsgi service catalog (roles/osapi_wsgi/vars/catalog.yml); known: %s."
            % (name, ", ".join(sorted(catalog))))
    return catalog[name]


def deploy_order(catalog):
    """Every catalog service once: DEPLOY_FIRST first, then the others in catalog order."""
    first = [name for name in DEPLOY_FIRST if name in catalog]
    return first + [name for name in catalog if name not in first]
