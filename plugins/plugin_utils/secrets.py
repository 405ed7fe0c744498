# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-deployment secrets: their formats, which config options of which service take one
(the catalog's ``secrets``), and what an operator's password may contain.

The osapi.wsgi.secret lookup generates every secret in the format the catalog gives its
variable; the engine (plugins/plugin_utils/cloud.py, secrets_layer) writes each into the
options that take it. Nothing here talks to a host.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import string

ALPHABET = string.ascii_letters + string.digits
# format: (what it is, for messages)
FORMATS = {
    "text": "letters and digits (32 unless the lookup's length says otherwise)",
    "fernet": "a Fernet key: 32 random bytes, URL-safe base64 (44 characters)",
}
DEFAULT_FORMAT = "text"


class SecretError(Exception):
    """A secret's name, format or value that cannot be used."""


# The passwords each service (or user) has, by kind: its variable is <name>_<kind> (the
# osapi.wsgi.secret lookup's `kind`, the one place that builds these names)
KINDS = ("service_password", "database_password", "messaging_password", "password")


def variable_name(name, kind=None):
    """The variable of a secret: the name itself, or <name>_<kind> for a kind of KINDS."""
    if not kind:
        return str(name)
    if kind not in KINDS:
        raise SecretError("the secret kind %r is not one of %s" % (kind, ", ".join(KINDS)))
    return "%s_%s" % (name, kind)


def generate(fmt=DEFAULT_FORMAT, length=None):
    """A new random secret in the format (text: `length` letters and digits, default 32)."""
    length = length or 32
    if fmt == "fernet":
        return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")
    if fmt == "text":
        return "".join(secrets.choice(ALPHABET) for position in range(int(length)))
    raise SecretError("unknown secret format '%s' (known: %s)" % (fmt, ", ".join(sorted(FORMATS))))


def check_value(name, value, fmt=DEFAULT_FORMAT, length=None):
    """Messages (empty: accepted) for an operator's value of the secret or password `name`:
    on one line (check_password); fernet: a Fernet key; length: exactly that many characters
    (what the option's service demands, e.g. heat's auth_encryption_key)."""
    value = str(value)
    errors = check_password(name, value)
    if fmt == "fernet":
        try:
            raw = base64.urlsafe_b64decode(value.encode("ascii"))
        except (binascii.Error, ValueError, UnicodeEncodeError):
            raw = b""
        if len(raw) != 32:
            errors.append("%s is not %s: leave it unset to have one generated, or make one with"
                          " python3 -c 'import base64,os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'."
                          % (name, FORMATS["fernet"]))
    elif length and len(value) != int(length):
        errors.append("%s has %s characters; the option it goes into takes exactly %s: leave it unset to have"
                      " one generated." % (name, len(value), length))
    return errors


def check_password(name, value):
    """An operator's password or secret, as it goes into an ini file: a line break would end
    the option (refused). A `$` is accepted: the engine writes it as `$$` (escape), which
    oslo.config reads back as one `$` instead of the start of a variable to substitute."""
    value = str(value)
    if "\n" in value or "\r" in value:
        return ["%s contains a line break: an ini option ends there. Set %s to a value on one line." % (name, name)]
    return []


def escape(value):
    """A value as an ini option carries it literally for oslo.config: `$` as `$$`."""
    return str(value).replace("$", "$$")


def service_secrets(entry, name):
    """The service's per-deployment secrets from its catalog entry: [{section, option, name,
    format}], name: the variable (default <service>_<option>)."""
    out = []
    for item in entry.get("secrets") or []:
        out.append({"section": item["section"], "option": item["option"],
                    "name": item.get("name") or "%s_%s" % (name, item["option"]),
                    "format": item.get("format") or DEFAULT_FORMAT, "length": item.get("length")})
    return out


def catalog_formats(catalog):
    """{variable: (format, length)} of every secret the catalog names (one variable, one
    format: nova's and neutron's metadata secret is one)."""
    out = {}
    for name, entry in catalog.items():
        for item in service_secrets(entry, name):
            spec = (item["format"], item["length"])
            known = out.setdefault(item["name"], spec)
            if known != spec:
                raise SecretError("%s is given two formats in the catalog (%s, %s)" % (item["name"], known, spec))
    return out


def secrets_layer(entry, name, values):
    """Config sections with the service's secrets (values: {variable: value})."""
    layer = {}
    for item in service_secrets(entry, name):
        if not values.get(item["name"]):
            raise SecretError("%s: the secret %s is empty" % (name, item["name"]))
        layer.setdefault(item["section"], {})[item["option"]] = escape(values[item["name"]])
    return layer
