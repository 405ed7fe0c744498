# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Upgrades and rollbacks of one service across its nodes, as plain functions.

playbooks/upgrade.yml and playbooks/rollback.yml ask these functions what to do; they
never talk to a host. The inputs: the service's catalog entry (its `upgrade` section: the
release table, the setup commands the upgrade replaces, the expand and contract steps),
the release each node runs, the release asked for (<service>_version) and the upgrade's
state as recorded on the service's primary node. Refusals are messages naming the
variable to change (empty list: accepted).

An upgrade goes through these phases (the state file records the last one reached):
  expanding    the expand steps started (nothing of the nodes changed yet)
  nodes        expanded; the nodes move one by one (`nodes` lists those that did)
  contracting  the contract steps started: the old release may no longer run on the
               database, so no rollback from here on
  done         contracted: the upgrade is finished
A rollback is possible in the first two phases: the old release runs on an expanded
database, since every node of it does so during the upgrade itself.
"""

from __future__ import annotations

import re

from ansible_collections.osapi.wsgi.plugins.plugin_utils import catalog as osapi_catalog
from ansible_collections.osapi.wsgi.plugins.plugin_utils import series as osapi_series

OPEN_PHASES = ("expanding", "nodes")
PHASES = OPEN_PHASES + ("contracting", "done")
STATE_FILE = "/etc/ansible/facts.d/osapi_wsgi_upgrade.fact"

EXACT_RELEASE = re.compile(r"^([0-9]+)\.([0-9]+)\.([0-9]+)$")
SERIES_NAME = re.compile(r"^([0-9]{4})\.([12])$")


class UpgradeError(Exception):
    """Input the upgrade logic cannot work with (a bug in the caller, not a bad setting)."""


def release(version):
    """(major, minor, patch) of an exact release such as 30.0.0, else None."""
    match = EXACT_RELEASE.match(str(version or "").strip())
    return tuple(int(part) for part in match.groups()) if match else None


def series(entry, version):
    """The OpenStack series (e.g. 2026.1) of a release of the service: the series whose
    release in the catalog's `releases` table has the same major version; None when none has."""
    return osapi_series.series_of(entry, version) if release(version) else None


def next_series(name):
    """The series released after this one: 2026.1 -> 2026.2, 2026.2 -> 2027.1."""
    match = SERIES_NAME.match(str(name))
    if not match:
        raise UpgradeError("'%s' is not a series name such as 2026.1" % name)
    year, half = int(match.group(1)), int(match.group(2))
    return "%d.2" % year if half == 1 else "%d.1" % (year + 1)


def is_slurp(name):
    """SLURP series (skip level upgrade release process): the first of each year, YYYY.1."""
    return str(name).endswith(".1")


def allowed_series(name):
    """The series an upgrade from this one may go to: the next, and from a SLURP the next
    SLURP too."""
    following = next_series(name)
    out = [following]
    if is_slurp(name):
        out.append(next_series(following))
    return out


def check_jump(entry, service, current, target):
    """Whether the service may move from release `current` to `target` in one upgrade."""
    var = "%s_version" % service
    table = {str(value).split(".", maxsplit=1)[0]: str(name) for name, value in (entry.get("releases") or {}).items()}
    if not entry.get("upgrade"):
        return ["%s has no upgrade procedure in the catalog (roles/osapi_wsgi/vars/catalog.yml, `upgrade`): "
                "playbooks/upgrade.yml cannot upgrade it; deploy the new release with playbooks/rolling.yml "
                "after following its upgrade guide." % service]
    if not release(target):
        return ["%s is '%s': set it to the exact release to upgrade to, such as %s.0.0 (an upgrade needs to know"
                " which series it goes to; '' or a pip specifier does not say)."
                % (var, target, max((int(key) for key in table), default=1))]
    if not release(current):
        return ["%s: the nodes run '%s', which is not an exact release: cannot judge the jump to %s."
                % (service, current, target)]
    if release(target) == release(current):
        return []
    if release(target) < release(current):
        return ["%s is %s but the nodes run %s: that is a downgrade. Go back with playbooks/rollback.yml while an"
                " upgrade is not contracted, else restore the database from its backup."
                % (var, target, current)]
    old, new = series(entry, current), series(entry, target)
    unknown = [str(version) for version, name in ((current, old), (target, new)) if name is None]
    if unknown:
        return ["%s: the catalog's release table (roles/osapi_wsgi/vars/catalog.yml, %s releases) has no series"
                " with the major version of %s (it knows %s): upgrade between the releases of supported series"
                " (osapi_wsgi_openstack_series), or set %s to a listed release."
                % (service, service, " nor ".join(unknown),
                   ", ".join("%s=%s" % (name, major) for major, name in sorted(table.items())), var)]
    if new == old or new in allowed_series(old):
        return []
    return ["%s is %s (%s) but the nodes run %s (%s): %s supports upgrades to the next release (%s)%s only."
            " Upgrade in steps: set %s to a release of %s first."
            % (var, target, new, current, old, service, allowed_series(old)[0],
               " or, from this SLURP release, to the next SLURP (%s)" % allowed_series(old)[1] if is_slurp(old) else "",
               var, allowed_series(old)[0])]


def recorded_state(state, service):
    """The service's entry of the state file when it names a known phase, else None."""
    value = (state or {}).get(service) if isinstance(state, dict) else None
    return value if isinstance(value, dict) and value.get("phase") in PHASES else None


def upgrade_services(catalog, groups, service="", every=True, series=""):
    """The services playbooks/upgrade.yml (every=True) or rollback.yml (every=False) works
    on, before any host is asked: the one named (osapi_wsgi_upgrade_service), or, when none
    is named and every is true, each catalog service with hosts in its inventory group, in
    the deploy order (keystone first: the others validate their tokens with it).
    groups: the inventory's groups ({group: [hosts]}); series: osapi_wsgi_openstack_series
    (upgrade.yml: the series to move to; checked here, before the first service).
    Returns {errors, services}. With every service, each must have an upgrade procedure in
    the catalog: a service without one would stop the run half way, after the others moved."""
    catalog = catalog if isinstance(catalog, dict) else {}
    groups = groups if isinstance(groups, dict) else {}
    service = str(service or "").strip()
    with_hosts = [name for name in osapi_catalog.deploy_order(catalog) if groups.get(name)]
    refused = osapi_series.check_series(series) if str(series or "").strip() else []
    if refused:
        return {"errors": refused, "services": []}
    if service:
        if service not in catalog:
            return {"errors": ["osapi_wsgi_upgrade_service is '%s': set it to a service of the catalog (%s)%s."
                               % (service, ", ".join(with_hosts) or "none has hosts in this inventory",
                                  ", or leave it unset to upgrade each of them" if every else "")],
                    "services": []}
        if service not in with_hosts:
            return {"errors": ["osapi_wsgi_upgrade_service is '%s' but the inventory has no hosts in group %s."
                               % (service, service)], "services": []}
        return {"errors": [], "services": [service]}
    if not every:
        return {"errors": ["Set osapi_wsgi_upgrade_service to the service whose upgrade to roll back (one of: %s),"
                           " e.g. -e osapi_wsgi_upgrade_service=keystone." % (", ".join(with_hosts) or "none")],
                "services": []}
    if not with_hosts:
        return {"errors": ["No catalog service has hosts in this inventory: add hosts to the groups named after"
                           " the services (keystone, placement, ...), or name one with osapi_wsgi_upgrade_service."],
                "services": []}
    without = [name for name in with_hosts if not (catalog[name] or {}).get("upgrade")]
    if without:
        return {"errors": ["%s %s no upgrade procedure in the catalog (roles/osapi_wsgi/vars/catalog.yml, `upgrade`):"
                           " upgrading every service of the inventory would stop half way. Upgrade the others one by"
                           " one with osapi_wsgi_upgrade_service (%s), and these after their upgrade guides with"
                           " playbooks/rolling.yml."
                           % (", ".join(without), "has" if len(without) == 1 else "have",
                              ", ".join(name for name in with_hosts if name not in without) or "none")],
                "services": []}
    return {"errors": [], "services": with_hosts}


def upgrade_plan(catalog, service, versions, target, state=None, contract=True, series="", outside=()):
    """What playbooks/upgrade.yml does for the service.

    versions: {node: release it runs} in the group's order, the first being the primary.
    target: <service>_version ('' = the release of `series`, osapi_wsgi_openstack_series, ''
    for the default series); outside: osapi_wsgi_versions_outside_series (series.release_for).
    state: the recorded upgrades of the primary ({service: {from, to, phase, nodes}}).
    Returns {errors, service, from, to, phase (where the run starts: expand, nodes,
    contract or none), expand, contract (the steps), replaces, nodes (to move, in order),
    contract_now (whether this run contracts), lines (what it does, for a dry run)}.
    """
    entry = catalog.get(service) if isinstance(catalog, dict) else None
    if entry is None:
        return {"errors": ["osapi_wsgi_upgrade_service is '%s': set it to a service of the catalog: %s."
                           % (service, ", ".join(sorted(catalog or {})))], "lines": []}
    if not versions:
        return {"errors": ["osapi_wsgi_upgrade_service is '%s' but the inventory has no hosts in group %s."
                           % (service, service)], "lines": []}
    steps = entry.get("upgrade") or {}
    recorded = recorded_state(state, service)
    var = "%s_version" % service
    to_series = str(series or osapi_series.DEFAULT)
    target, refused = osapi_series.release_for(entry, service, to_series, target, service in (outside or ()))
    if refused:
        return {"errors": refused, "lines": []}
    releases = sorted(set(str(version) for version in versions.values()))
    errors = []
    start = None
    if recorded and recorded["phase"] != "done":
        if recorded.get("to") != target:
            errors.append("An upgrade of %s from %s to %s is open (phase %s, recorded on %s in %s): finish it with %s=%s,"
                          " or go back with playbooks/rollback.yml while it is not contracting."
                          % (service, recorded.get("from"), recorded.get("to"), recorded["phase"], list(versions)[0],
                             STATE_FILE, var, recorded.get("to")))
        stray = [node for node, version in versions.items() if version not in (recorded.get("from"), recorded.get("to"))]
        if stray:
            errors.append("%s: nodes run a release of neither side of the open upgrade (%s to %s): %s."
                          % (service, recorded.get("from"), recorded.get("to"),
                             ", ".join("%s %s" % (node, versions[node]) for node in stray)))
        current = recorded.get("from")
        start = "contract" if recorded["phase"] == "contracting" else (
            "nodes" if recorded["phase"] == "nodes" else "expand")
    else:
        if len(releases) > 1:
            errors.append("%s: the nodes run different releases (%s) and no upgrade is open: deploy one release on"
                          " every node first (playbooks/rolling.yml with %s set)."
                          % (service, ", ".join("%s %s" % item for item in versions.items()), var))
        current = releases[0]
    if not errors:
        errors.extend(check_jump(entry, service, current, target))
    if errors:
        return {"errors": errors, "lines": []}

    from_series = osapi_series.series_of(entry, current) or to_series
    to_move = [node for node, version in versions.items() if version != target]
    if start is None:
        start = "expand" if to_move or current != target else "none"
    if start == "none":
        return {"errors": [], "kind": "upgrade", "service": service, "from": current, "to": target, "phase": "none",
                "from_series": from_series, "to_series": to_series, "expand": [],
                "contract": [], "replaces": steps.get("replaces", []), "nodes": [], "contract_now": False,
                "lines": ["%s: every node runs %s; nothing to upgrade." % (service, target)]}
    primary = list(versions)[0]
    expand = list(steps.get("expand") or []) if start == "expand" else []
    contract_now = bool(contract) and start in ("expand", "nodes", "contract")
    lines = ["%s: upgrade from %s (%s) to %s (%s), primary %s, starting at phase %s."
             % (service, current, from_series, target, to_series, primary, start)]
    if expand:
        lines.append("1. On %s, in a venv of %s beside the running one: %s." % (
            primary, target, "; ".join(" ".join(step["argv"]) for step in expand)))
    else:
        lines.append("1. Expand steps: already done.")
    if to_move:
        lines.append("2. Node by node (drain in HAProxy, deploy %s without %s, check, ready): %s."
                     % (target, ", ".join(steps.get("replaces", [])) or "changes", ", ".join(to_move)))
    else:
        lines.append("2. Nodes: every node runs %s already." % target)
    if contract_now:
        lines.append("3. On %s: %s. From then on %s can no longer be rolled back to %s."
                     % (primary, "; ".join(" ".join(step["argv"]) for step in steps.get("contract") or []) or "nothing",
                        service, current))
    else:
        lines.append("3. Stop before the contract steps (osapi_wsgi_upgrade_contract is false): playbooks/rollback.yml"
                     " can still take nodes back to %s; run upgrade.yml again to finish." % current)
    return {"errors": [], "kind": "upgrade", "service": service, "from": current, "to": target, "phase": start,
            "from_series": from_series, "to_series": to_series, "expand": expand,
            "contract": list(steps.get("contract") or []) if contract_now else [],
            "replaces": list(steps.get("replaces") or []), "nodes": to_move, "contract_now": contract_now,
            "lines": lines}


def rollback_plan(catalog, service, versions, state=None, hosts=None):
    """What playbooks/rollback.yml does: the nodes (hosts, default every node) that run the
    open upgrade's new release go back to its old one, while the phase allows it.
    Returns {errors, service, from (the new release), to (the old one), replaces, nodes, lines}."""
    entry = catalog.get(service) if isinstance(catalog, dict) else None
    if entry is None:
        return {"errors": ["osapi_wsgi_upgrade_service is '%s': set it to a service of the catalog: %s."
                           % (service, ", ".join(sorted(catalog or {})))], "lines": []}
    primary = list(versions)[0] if versions else "the primary"
    recorded = recorded_state(state, service)
    if recorded is None:
        return {"errors": ["%s: no upgrade is recorded on %s (%s): there is nothing to roll back to. A rollback"
                           " goes back to the release an open playbooks/upgrade.yml started from."
                           % (service, primary, STATE_FILE)], "lines": []}
    if recorded["phase"] not in OPEN_PHASES:
        return {"errors": ["%s: the upgrade from %s to %s has reached phase %s on %s (%s): its contract steps changed"
                           " the database for %s, and %s cannot run on it any more, so there is no rollback. Stop"
                           " an upgrade before its contract steps (osapi_wsgi_upgrade_contract: false) to keep the way"
                           " back open; from here only a database backup restores %s."
                           % (service, recorded.get("from"), recorded.get("to"), recorded["phase"], primary, STATE_FILE,
                              recorded.get("to"), recorded.get("from"), recorded.get("from"))], "lines": []}
    unknown = [host for host in (hosts or []) if host not in versions]
    if unknown:
        return {"errors": ["osapi_wsgi_rollback_hosts names hosts that are not %s nodes: %s (its nodes: %s)."
                           % (service, ", ".join(unknown), ", ".join(versions))], "lines": []}
    wanted = list(hosts) if hosts else list(versions)
    nodes = [node for node in wanted if versions[node] != recorded.get("from")]
    lines = ["%s: roll back from %s to %s (upgrade phase %s on %s)."
             % (service, recorded.get("to"), recorded.get("from"), recorded["phase"], primary)]
    lines.append("Node by node (drain, deploy %s without %s, check, ready): %s."
                 % (recorded.get("from"), ", ".join((entry.get("upgrade") or {}).get("replaces") or []) or "changes",
                    ", ".join(nodes) or "none: every node named runs %s already" % recorded.get("from")))
    return {"errors": [], "kind": "rollback", "service": service, "from": recorded.get("to"), "to": recorded.get("from"),
            "from_series": osapi_series.series_of(entry, recorded.get("to")) or osapi_series.DEFAULT,
            "to_series": osapi_series.series_of(entry, recorded.get("from")) or osapi_series.DEFAULT,
            "replaces": list((entry.get("upgrade") or {}).get("replaces") or []), "nodes": nodes, "lines": lines}


def upgrade_record(state, service, phase, plan=None, node=None, moved_back=None, when=None):
    """The state file's content after a step: {service: {from, to, phase, nodes, updated}}.
    phase: the phase reached; plan: the upgrade's plan (upgrade_plan; a rollback's plan
    changes no release) starts a new record unless one of the same upgrade is open; node: a
    node that now runs the new release; moved_back: a node that runs the old one again."""
    if phase not in PHASES:
        raise UpgradeError("unknown upgrade phase %r (one of %s)" % (phase, ", ".join(PHASES)))
    out = dict(state) if isinstance(state, dict) else {}
    entry = dict(out.get(service) or {})
    if plan and plan.get("kind") == "upgrade":
        if entry.get("to") != plan["to"] or entry.get("from") != plan["from"] or entry.get("phase") == "done":
            entry = {"from": plan["from"], "to": plan["to"], "nodes": []}
    nodes = list(entry.get("nodes") or [])
    if node and node not in nodes:
        nodes.append(node)
    if moved_back:
        nodes = [item for item in nodes if item != moved_back]
    entry.update({"phase": phase, "nodes": nodes})
    if when:
        entry["updated"] = str(when)
    out[service] = entry
    return out
