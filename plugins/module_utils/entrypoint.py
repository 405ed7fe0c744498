# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check a WSGI entrypoint ``package.module:callable`` inside another Python interpreter.

The probe runs as a child process of the target interpreter (a service's virtualenv), so
the import sees exactly the packages, versions and environment the server will see.
"""

from __future__ import annotations

import json
import os
import re
import subprocess

MARKER = "@@osapi-wsgi-probe@@"

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_DOTTED = r"%s(?:\.%s)*" % (_IDENT, _IDENT)
_ENTRYPOINT_RE = re.compile(r"^(%s):(%s)$" % (_DOTTED, _DOTTED))

# Runs in the target interpreter (Python 3.6+): argv = [module, attribute].
# The imported code may print: stdout is pointed at stderr while importing, and the
# result is one marked JSON line on the real stdout.
PROBE_SOURCE = r'''
import json, os, sys, time, traceback
MARKER = "@@osapi-wsgi-probe@@"
real_stdout = sys.stdout
sys.stdout = sys.stderr
module_name, attr_path = sys.argv[1], sys.argv[2]
# WSGI servers hand the application no command line (uWSGI and mod_wsgi set argv to
# their own name); many services parse sys.argv at import time (oslo.config).
sys.argv = ["osapi-wsgi-probe"]
result = {"module": module_name, "callable": attr_path, "uid": os.getuid(),
          "python": sys.executable, "python_version": sys.version.split()[0]}

def tail(limit=10):
    return traceback.format_exc().rstrip().splitlines()[-limit:]

def done(**kw):
    result.update(kw)
    real_stdout.write(MARKER + json.dumps(result) + "\n")
    real_stdout.flush()
    sys.stderr.flush()
    # Some applications start non-daemon threads while loading (periodic tasks):
    # leave without waiting for them.
    os._exit(0)

start = time.perf_counter()
try:
    import importlib
    module = importlib.import_module(module_name)
except ModuleNotFoundError as exc:
    missing = getattr(exc, "name", None) or ""
    own = module_name == missing or module_name.startswith(missing + ".")
    done(ok=False, error="module_not_found" if own else "dependency_not_found",
         missing=missing, message=str(exc), traceback_tail=tail())
except BaseException as exc:
    done(ok=False, error="import_error", exception=type(exc).__name__,
         message=str(exc), traceback_tail=tail())
elapsed = time.perf_counter() - start

target = module
for part in attr_path.split("."):
    try:
        target = getattr(target, part)
    except AttributeError:
        done(ok=False, error="missing_attribute", missing=part,
             message="module %r has no attribute %r" % (module_name, attr_path),
             import_seconds=round(elapsed, 3))
if not callable(target):
    done(ok=False, error="not_callable", callable_type=type(target).__name__,
         message="%s:%s is a %s, not a callable" % (module_name, attr_path, type(target).__name__),
         import_seconds=round(elapsed, 3))

distribution = version = None
top = module_name.split(".")[0]
try:
    from importlib import metadata
    names = []
    if hasattr(metadata, "packages_distributions"):
        names = metadata.packages_distributions().get(top, [])
    for name in list(names) + [top]:
        try:
            version = metadata.version(name)
            distribution = metadata.metadata(name)["Name"] or name
            break
        except Exception:
            continue
except Exception:
    pass

done(ok=True, file=getattr(module, "__file__", None), callable_type=type(target).__name__,
     import_seconds=round(elapsed, 3), distribution=distribution, version=version)
'''


class EntrypointError(ValueError):
    """The entrypoint is malformed or could not be imported; ``details`` holds the probe's report."""

    def __init__(self, message, details=None):
        super(EntrypointError, self).__init__(message)
        self.details = details or {}


def parse_entrypoint(text):
    """Split ``package.module:callable`` (callable may be dotted) into (module, attribute)."""
    match = _ENTRYPOINT_RE.match(text or "")
    if not match:
        raise EntrypointError(
            "Entrypoint %r is not of the form 'package.module:callable' "
            "(e.g. keystone.wsgi.api:application)." % (text,)
        )
    return match.group(1), match.group(2)


def _tail(text, lines=10):
    return (text or "").rstrip().splitlines()[-lines:]


def _drop_privileges(user):
    import grp  # noqa: F401  (imported here: POSIX only)
    import pwd

    entry = pwd.getpwnam(user)

    def preexec():
        os.setgroups([])
        os.initgroups(entry.pw_name, entry.pw_gid)
        os.setgid(entry.pw_gid)
        os.setuid(entry.pw_uid)

    return entry, preexec


def run_probe(python, entrypoint, environment=None, chdir=None, timeout=120, user=None):
    """Import ``entrypoint`` in ``python`` and return the probe's report (a dict with ok=True).

    Raises EntrypointError with a human message on any failure.
    """
    module, attribute = parse_entrypoint(entrypoint)
    where = "in %s" % python
    if not os.path.isfile(python) or not os.access(python, os.X_OK):
        raise EntrypointError(
            "Interpreter %s does not exist or is not executable: check the virtualenv path "
            "and that the service was installed into it." % python,
            {"error": "no_interpreter"},
        )
    env = dict(os.environ)
    env.update({str(k): str(v) for k, v in (environment or {}).items()})
    env.pop("PYTHONPATH", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    kwargs = {}
    if user:
        try:
            entry, kwargs["preexec_fn"] = _drop_privileges(user)
        except KeyError:
            raise EntrypointError("User %r does not exist on this host." % user, {"error": "no_user"})
        env.update(HOME=entry.pw_dir, USER=entry.pw_name, LOGNAME=entry.pw_name)
        where += " as %s" % user
    try:
        proc = subprocess.run(
            [python, "-c", PROBE_SOURCE, module, attribute],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=chdir or None,
            timeout=timeout, universal_newlines=True, check=False, **kwargs
        )
    except subprocess.TimeoutExpired as exc:
        raise EntrypointError(
            "Importing %s %s did not finish within %s seconds." % (entrypoint, where, timeout),
            {"error": "timeout", "stderr_tail": _tail(exc.stderr if isinstance(exc.stderr, str) else "")},
        )
    except OSError as exc:
        raise EntrypointError("Could not run %s: %s" % (python, exc), {"error": "exec_failed"})

    lines = [line for line in proc.stdout.splitlines() if line.startswith(MARKER)]
    if not lines:
        raise EntrypointError(
            "The probe of %s %s exited %s without a result; stderr ends with: %s"
            % (entrypoint, where, proc.returncode, " | ".join(_tail(proc.stderr, 5))),
            {"error": "probe_failed", "rc": proc.returncode, "stderr_tail": _tail(proc.stderr)},
        )
    report = json.loads(lines[-1][len(MARKER):])
    if report.get("ok"):
        report["entrypoint"] = entrypoint
        return report

    kind = report.get("error")
    hint = {
        "module_not_found": "module %r not found (%s). Check the entrypoint and that the package "
                            "is installed in that virtualenv." % (module, report.get("message")),
        "dependency_not_found": "importing %r needs module %r, which is missing (%s). Install it "
                                "into the virtualenv (e.g. <service>_pip_extra_packages)."
                                % (module, report.get("missing"), report.get("message")),
        "import_error": "importing %r raised %s: %s" % (module, report.get("exception"), report.get("message")),
        "missing_attribute": "module %r has no attribute %r. Check the part after ':' of the entrypoint."
                             % (module, attribute),
        "not_callable": "%s:%s is a %s, not a WSGI callable." % (module, attribute, report.get("callable_type")),
    }.get(kind, report.get("message"))
    report["entrypoint"] = entrypoint
    raise EntrypointError("Entrypoint %r failed %s: %s" % (entrypoint, where, hint), report)
