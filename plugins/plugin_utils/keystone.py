# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""keystone's own decisions (roles/keystone): how many fernet keys a rotation interval needs,
and where the primary pushes its keys after a rotation. Nothing here talks to a host."""

from __future__ import annotations

from ansible_collections.osapi.wsgi.plugins.plugin_utils.engine import _WHOLE, EngineError, _dict, _is_ip

# keystone's defaults for the token lifetimes the key count follows ([token] section)
TOKEN_EXPIRATION = 3600
ALLOW_EXPIRED_WINDOW = 172800
# past this many keys every validation of an old token tries them all (read from disk each time)
MOST_ACTIVE_KEYS = 100


def key_rotation(interval, token=None, fernet_tokens=None):
    """keystone's fernet key rotation (docs/security.md): {max_active_keys, errors}.

    interval: keystone_key_rotation_interval, seconds between rotations (0: no rotation).
    token: keystone.conf's [token] as configured (expiration, allow_expired_window);
    fernet_tokens: [fernet_tokens] as configured (an operator's max_active_keys is checked).
    A key must stay until every token it encrypted has expired, including the window in which
    keystone still accepts an expired token: ceil((expiration + allow_expired_window) / interval)
    rotations after it stopped being the primary, plus the staged and the primary key (keystone's
    fernet FAQ: + 2), plus one: a node that has not yet received the last rotation still
    encrypts with the primary before it."""
    token, fernet_tokens = _dict(token), _dict(fernet_tokens)
    if not (_WHOLE.match(str(interval)) or str(interval) == "0"):
        return {"max_active_keys": None, "errors": [
            "keystone_key_rotation_interval is %r: give the seconds between two key rotations as a whole number "
            "(86400: daily), or 0 for no rotation." % (interval,)]}
    interval = int(interval)
    try:
        lifetime = (int(token.get("expiration", TOKEN_EXPIRATION))
                    + int(token.get("allow_expired_window", ALLOW_EXPIRED_WINDOW)))
    except (TypeError, ValueError):
        return {"max_active_keys": None, "errors": [
            "keystone_config_overrides: [token] expiration and allow_expired_window must be whole seconds."]}
    if interval == 0:
        # keystone's own default
        return {"max_active_keys": 3, "errors": []}
    needed = -(-lifetime // interval) + 3
    errors = []
    if needed > MOST_ACTIVE_KEYS:
        errors.append(
            "keystone_key_rotation_interval %d s with tokens valid %d s (expiration + allow_expired_window) needs %d "
            "fernet keys, more than %d: raise keystone_key_rotation_interval to at least %d, or shorten [token] "
            "expiration / allow_expired_window." % (interval, lifetime, needed, MOST_ACTIVE_KEYS,
                                                    -(-lifetime // (MOST_ACTIVE_KEYS - 3))))
    given = fernet_tokens.get("max_active_keys")
    if given not in (None, "") and (not _WHOLE.match(str(given)) or int(given) < needed):
        errors.append(
            "keystone_config_overrides sets [fernet_tokens] max_active_keys = %s, but rotating every %d s with tokens "
            "valid %d s needs %d keys: a smaller number deletes keys of tokens still valid. Remove it (the role "
            "computes it) or raise it to %d." % (given, interval, lifetime, needed, needed))
    return {"max_active_keys": needed, "errors": errors}


def key_push(nodes, hostvars, primary, port=22):
    """Where keystone's primary pushes its keys after each rotation (roles/keystone, key
    rotation): {"primary": its address, "from": the authorized key's from= pattern ("" when
    the address is a name), "targets": [{"node", "address", "port"}] of the other nodes}.

    Each node's address: keystone_key_push_address, else ansible_host, else its inventory
    name (the address its SSH server answers at: where Ansible reaches it).
    """
    def address(node):
        found = hostvars[node]
        return str(found.get("keystone_key_push_address") or found.get("ansible_host") or node)

    if not _WHOLE.match(str(port)) or not 0 < int(port) < 65536:
        raise EngineError(
            "keystone_key_push_port is %r: give the SSH port (1-65535) of the keystone nodes" % (port,))
    source = address(primary)
    return {"primary": source, "from": source if _is_ip(source) else "",
            "targets": [{"node": node, "address": address(node), "port": int(port)}
                        for node in nodes if node != primary]}
