"""python-openstackclient for the tests without its start-up for every command.

Run with the clients' Python (scripts/setup.sh, $OSAPI_CLIENTS/python3) by the `cloud`
fixture (molecule/conftest.py). It imports openstackclient and loads its command plugins
once, then runs each command in a child process of its own (os.fork), through the same
openstackclient.shell.main(argv) the `openstack` console script calls, with the command's
environment and its standard output and error going to files. Each command still starts
from a clean process state; what it no longer pays is the import of the client and its
plugins (about 1.3 s of CPU per command on the test host). Commands run at once when the
tests send them at once.

Protocol, one JSON object per line: requests on standard input, {"id", "argv", "env", "out",
"err"}; answers on standard output, {"id", "pid"} when the child started, {"id", "rc"} when
it ended.
"""
import json
import os
import select
import sys
import traceback


def warm():
    """What every command imports: the shell, its plugins' entry points (stevedore keeps them
    in memory, so the children find them loaded), keystoneauth and openstacksdk."""
    from openstackclient import shell  # pylint: disable=import-outside-toplevel
    shell.OpenStackShell()
    for name in ("openstack.connection", "keystoneauth1.loading", "osc_lib.clientmanager",
                 "openstackclient.common.clientmanager", "openstackclient.identity.v3.token"):
        try:
            __import__(name)
        except ImportError:
            pass
    return shell


def run_child(shell, request):
    """In the forked child: the command with its environment and files; never returns."""
    code = 1
    try:
        os.environ.clear()
        os.environ.update(request["env"])
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        for fd, path in ((1, request["out"]), (2, request["err"])):
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(handle, fd)
            os.close(handle)
        sys.argv = ["openstack"] + list(request["argv"])
        code = shell.main(list(request["argv"]))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # pylint: disable=broad-exception-caught
        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code if isinstance(code, int) else 1)  # pylint: disable=protected-access


def answer(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main():
    # the program name the client prints (cliff takes it from sys.argv[0] when it is imported)
    sys.argv[0] = "openstack"
    shell = warm()
    running = {}
    pending = b""
    open_input = True
    while open_input or running:
        ready = select.select([0] if open_input else [], [], [], 0.05 if running else None)[0]
        while running:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if not pid:
                break
            answer({"id": running.pop(pid), "rc": os.waitstatus_to_exitcode(status)})
        if not ready:
            continue
        chunk = os.read(0, 65536)
        if not chunk:
            open_input = False
            continue
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            request = json.loads(line)
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                run_child(shell, request)
            running[pid] = request["id"]
            answer({"id": request["id"], "pid": pid})


if __name__ == "__main__":
    main()
