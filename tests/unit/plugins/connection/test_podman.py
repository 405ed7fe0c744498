"""The osapi.wsgi.podman connection, run by ansible itself against a stand-in for podman that
runs the commands on this machine (no containers needed). As root the connection enters the
"container's" namespaces with nsenter: the stand-in's `inspect` names this test process, so
nsenter enters the namespaces the tests already run in."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from ansible_collections.osapi.wsgi.plugins.connection.podman import exec_args, nsenter_args, parse_inspect, start_time

ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="nsenter needs root")

# The stand-in records its arguments. `inspect` prints this test process's pid and an
# environment (MOUNT=missing: fails like an unknown container); `mount` prints / (MOUNT=fail:
# fails like rootless podman; MOUNT=missing: like an unknown container); `exec` runs the command
# here, with its standard input only when -i is given, as podman does; `cp` copies between
# `ctr:path` and a path.
FAKE = textwrap.dedent("""\
    #!{python}
    import json, os, shutil, subprocess, sys
    args = sys.argv[1:]
    with open(os.environ["PODMAN_LOG"], "a") as log:
        log.write(json.dumps(args) + "\\n")
    if args[0] == "inspect":
        if os.environ.get("MOUNT") == "missing":
            sys.exit("Error: no such container " + args[-1])
        print(os.environ["FAKE_PID"], json.dumps(["PATH=" + os.environ["PATH"], "FAKE_ENV=from-inspect"]))
    elif args[0] == "mount":
        if os.environ.get("MOUNT") == "missing":
            sys.exit("Error: no such container " + args[1])
        if os.environ.get("MOUNT") == "fail":
            sys.exit("Error: cannot mount using driver overlay in rootless mode")
        print("/")
    elif args[0] == "exec":
        if os.environ.get("MOUNT") == "missing":
            print("Error: no such container ctr", file=sys.stderr)
            sys.exit(125)
        rest, stdin = args[1:], subprocess.DEVNULL
        if rest[0] == "-i":
            rest, stdin = rest[1:], None
        sys.exit(subprocess.run(rest[1:], stdin=stdin).returncode)
    elif args[0] == "cp":
        shutil.copyfile(*(arg.split(":", 1)[-1] for arg in args[1:]))
""")


@pytest.fixture
def adhoc(tmp_path):
    """Run `ansible ctr -m MODULE -a ARGS` over the connection; returns (result, podman calls)."""
    fake = tmp_path / "podman"
    fake.write_text(FAKE.format(python=sys.executable))
    fake.chmod(0o755)
    log = tmp_path / "calls.log"
    collections = next(p for p in sys.path if os.path.isdir(os.path.join(p, "ansible_collections", "osapi")))

    def run(module, args="", env=None, extra=()):
        log.write_text("")
        proc = subprocess.run(
            ["ansible", "all", "-i", "ctr,", "-c", "osapi.wsgi.podman", "-m", module, "-a", args, "-o",
             "-e", f"ansible_podman_executable={fake}", "-e", f"ansible_python_interpreter={sys.executable}",
             *extra],
            capture_output=True, text=True, check=False,
            env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, PODMAN_LOG=str(log),
                     ANSIBLE_LOCAL_TEMP=str(tmp_path / "local"), ANSIBLE_REMOTE_TMP=str(tmp_path / "remote"),
                     TMPDIR=str(tmp_path), FAKE_PID=str(os.getpid()),
                     **(env or {})))
        return proc.stdout + proc.stderr, [json.loads(line) for line in log.read_text().splitlines()]

    return run


def test_exec_args():
    assert exec_args("ctr", "/bin/sh -c 'echo \"a b\"'") == ["exec", "ctr", "/bin/sh", "-c", 'echo "a b"']
    assert exec_args("ctr", "true", user="svc", stdin=True) == ["exec", "-i", "--user", "svc", "ctr", "true"]
    assert nsenter_args("/usr/bin/nsenter", 42, "/bin/sh -c 'true'") == [
        "/usr/bin/nsenter", "--target=42", "--mount", "--uts", "--ipc", "--net", "--pid", "--root", "--wd", "--",
        "/bin/sh", "-c", "true"]


def test_inspect_and_start_time():
    assert parse_inspect('42 ["PATH=/bin","A=b=c","junk"]\n') == (42, {"PATH": "/bin", "A": "b=c"})
    assert parse_inspect("0 null") == (0, {})
    assert start_time(os.getpid()) is not None
    assert start_time(os.getpid()) == start_time(os.getpid())
    assert start_time(2 ** 22 + 1) is None


@needs_root
def test_as_root_modules_enter_the_namespaces_and_the_pid_is_kept(adhoc):
    out, calls = adhoc("ansible.builtin.shell", "echo $FAKE_ENV")
    # the container's environment, from inspect; one podman call, and none once it is kept
    assert "from-inspect" in out
    assert [call[0] for call in calls] == ["inspect"]
    out, calls = adhoc("ansible.builtin.ping")
    assert '"ping": "pong"' in out and calls == []


@needs_root
def test_a_kept_pid_of_another_process_is_looked_up_again(adhoc, tmp_path):
    adhoc("ansible.builtin.ping")
    kept = next((tmp_path / f"osapi-wsgi-podman-{os.geteuid()}").iterdir())
    pid, started, env = json.loads(kept.read_text())
    kept.write_text(json.dumps([pid, started + "0", env]))
    out, calls = adhoc("ansible.builtin.ping")
    assert '"ping": "pong"' in out and [call[0] for call in calls] == ["inspect"]


@needs_root
def test_as_root_files_go_through_the_process_root(adhoc, tmp_path):
    dest = tmp_path / "copied"
    out, calls = adhoc("ansible.builtin.copy", f"content=payload dest={dest}")
    assert "CHANGED" in out and dest.read_text() == "payload"
    assert [call[0] for call in calls] == ["inspect"]


PODMAN_EXEC = ["-e", "ansible_podman_exec_method=podman"]


def test_modules_are_pipelined_one_exec_each(adhoc):
    out, calls = adhoc("ansible.builtin.ping", extra=PODMAN_EXEC)
    assert '"ping": "pong"' in out
    # nothing mounted when no file is copied
    assert [call[:3] for call in calls] == [["exec", "-i", "ctr"]]


def test_without_pipelining_modules_are_copied_in(adhoc):
    out, calls = adhoc("ansible.builtin.ping", extra=["-e", "ansible_pipelining=false", *PODMAN_EXEC])
    assert '"ping": "pong"' in out
    execs = [call for call in calls if call[0] == "exec"]
    assert len(execs) >= 3 and all(call[1] != "-i" for call in execs)


def test_files_go_through_the_mounted_root(adhoc, tmp_path):
    dest = tmp_path / "copied"
    out, calls = adhoc("ansible.builtin.copy", f"content=payload dest={dest}", extra=PODMAN_EXEC)
    assert "CHANGED" in out and dest.read_text() == "payload"
    assert "cp" not in [call[0] for call in calls] and [call[0] for call in calls].count("mount") == 1
    adhoc("ansible.builtin.fetch", f"src={dest} dest={tmp_path / 'fetched'}/ flat=true", extra=PODMAN_EXEC)
    assert (tmp_path / "fetched" / "copied").read_text() == "payload"


def test_files_fall_back_to_podman_cp(adhoc, tmp_path):
    dest = tmp_path / "copied"
    out, calls = adhoc("ansible.builtin.copy", f"content=payload dest={dest}", env={"MOUNT": "fail"}, extra=PODMAN_EXEC)
    assert "CHANGED" in out and dest.read_text() == "payload"
    assert "cp" in [call[0] for call in calls]


@pytest.mark.parametrize("extra", [[], PODMAN_EXEC], ids=["auto", "podman"])
def test_unknown_container_is_unreachable(adhoc, extra):
    out = adhoc("ansible.builtin.ping", env={"MOUNT": "missing"}, extra=extra)[0]
    assert "UNREACHABLE" in out and "no such container ctr" in out


def test_missing_podman_names_the_setting(adhoc):
    out = adhoc("ansible.builtin.ping", extra=["-e", "ansible_podman_executable=/nonexistent/podman"])[0]
    assert "ansible_podman_executable" in out
