# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run tasks in a local podman container, entering its namespaces directly or with `podman exec`."""

from __future__ import annotations

DOCUMENTATION = r"""
name: podman
short_description: Run tasks in a local podman container, with pipelining
version_added: 0.1.0
description:
  - Runs commands in a running container of the local podman and passes their standard input
    through, so modules are pipelined - one command per module instead of five (home
    directory, temporary directory, permissions, module, clean-up).
  - As root (rootful podman), a command enters the container's namespaces with C(nsenter)
    (mount, UTS, IPC, network, PID; the container's root, working directory and environment),
    which is what C(podman exec) does without starting podman, conmon and the OCI runtime for
    each command (about 0.01 s instead of 0.1-0.3 s). The container's process ID comes from
    C(podman inspect) once and is kept in a small file per container (checked against the
    process's start time, so a restarted or recreated container is looked up again). Files
    are copied through C(/proc/<pid>/root).
  - Otherwise (another user, O(remote_user) set, no C(nsenter), O(exec_method=podman)) it runs
    C(podman exec -i) and copies files through the container's mounted root filesystem
    (C(podman mount), only when a file is copied; C(podman cp) where it cannot be mounted,
    e.g. rootless).
  - Pipelining is on by default; set O(pipelining=false) to copy every module into the container.
  - Unlike C(nsenter), C(podman exec) applies the container's seccomp profile and capability set and
    puts the command in the container's cgroup; the commands the tasks start as services run under
    the container's systemd either way.
author: osapi.wsgi contributors (@osapi)
options:
  remote_addr:
    description: The name or ID of the container.
    default: inventory_hostname
    type: str
    vars:
      - name: inventory_hostname
      - name: ansible_host
      - name: ansible_podman_host
  remote_user:
    description:
      - The user in the container to run commands as (C(podman exec --user)); the container's
        default user (usually root) when not set.
    type: str
    vars:
      - name: ansible_user
      - name: ansible_podman_user
    env:
      - name: ANSIBLE_REMOTE_USER
  podman_executable:
    description: The podman command.
    default: podman
    type: str
    vars:
      - name: ansible_podman_executable
    env:
      - name: ANSIBLE_PODMAN_EXECUTABLE
  podman_extra_args:
    description: Extra arguments given to podman before its subcommand, e.g. C(--root /srv/containers).
    default: ""
    type: str
    vars:
      - name: ansible_podman_extra_args
    env:
      - name: ANSIBLE_PODMAN_EXTRA_ARGS
  exec_method:
    description:
      - How commands reach the container. V(auto) enters its namespaces with C(nsenter) when that
        is possible (root, C(nsenter) found, no O(remote_user)), else runs C(podman exec);
        V(podman) always runs C(podman exec).
    default: auto
    choices: [auto, podman]
    type: str
    vars:
      - name: ansible_podman_exec_method
    env:
      - name: ANSIBLE_PODMAN_EXEC_METHOD
  pipelining:
    description:
      - Send modules to the Python interpreter in the container over standard input instead of copying
        them into a temporary directory first.
    default: true
    type: boolean
    vars:
      - name: ansible_pipelining
    env:
      - name: ANSIBLE_PIPELINING
    ini:
      - section: defaults
        key: pipelining
      - section: connection
        key: pipelining
notes:
  - The controller runs C(podman) itself; the container must be running.
"""

import json
import os
import shlex
import shutil
import subprocess
import tempfile

from ansible.errors import AnsibleConnectionFailure, AnsibleError
from ansible.module_utils.common.text.converters import to_bytes, to_native
from ansible.plugins.connection import ConnectionBase, ensure_connect
from ansible.utils.display import Display

display = Display()

# what podman inspect tells about a running container: its first process and environment
INSPECT_FORMAT = "{{json .State.Pid}} {{json .Config.Env}}"


def exec_args(container, cmd, user=None, stdin=False):
    """podman's arguments that run the command line `cmd` in `container` (-i: pass standard input)."""
    args = ["exec"]
    if stdin:
        args.append("-i")
    if user:
        args += ["--user", user]
    return args + [container] + shlex.split(cmd)


def nsenter_args(nsenter, pid, cmd):
    """nsenter's arguments that run the command line `cmd` in the namespaces, root and working
    directory of process `pid` (the container's first process)."""
    return [nsenter, f"--target={pid}", "--mount", "--uts", "--ipc", "--net", "--pid", "--root", "--wd", "--"] \
        + shlex.split(cmd)


def start_time(pid):
    """The start time of process `pid` (field 22 of /proc/<pid>/stat), None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            # the command name, field 2, is in parentheses and may hold spaces
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def raise_if_missing(err):
    """Report podman's "no such container" as the host being unreachable."""
    if b"no such container" in err.lower():
        raise AnsibleConnectionFailure(f"podman: {to_native(err).strip()}")


def parse_inspect(text):
    """(pid, environment) from INSPECT_FORMAT's output; pid 0 when the container is not running."""
    pid, env = text.strip().split(" ", 1)
    return int(pid), dict(item.split("=", 1) for item in json.loads(env) or [] if "=" in item)


class Connection(ConnectionBase):
    """nsenter or podman exec, with modules pipelined over stdin."""

    transport = "osapi.wsgi.podman"
    has_pipelining = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._mount_point = None
        self._target = None  # (nsenter, pid, environment) of the container when commands go through nsenter

    def _podman(self, args, in_data=None):
        executable = shutil.which(self.get_option("podman_executable"))
        if not executable:
            raise AnsibleError(f"{self.get_option('podman_executable')}: command not found; install podman "
                               "or set ansible_podman_executable")
        argv = [executable] + shlex.split(self.get_option("podman_extra_args") or "") + args
        display.vvv(f"RUN {argv}", host=self.get_option("remote_addr"))
        return self._run(argv, in_data)

    @staticmethod
    def _run(argv, in_data, env=None):
        proc = subprocess.run([to_bytes(arg, errors="surrogate_or_strict") for arg in argv], input=in_data,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False, env=env)
        return proc.returncode, proc.stdout, proc.stderr

    def _cache_file(self):
        """Where the container's pid and environment are kept between tasks (one file per
        container, podman's executable and arguments, and user)."""
        key = "-".join([self.get_option("remote_addr"), self.get_option("podman_executable"),
                        self.get_option("podman_extra_args") or ""])
        name = "".join(c if c.isalnum() or c in "._-" else "_" for c in key)[:200]
        return os.path.join(tempfile.gettempdir(), f"osapi-wsgi-podman-{os.geteuid()}", name)

    def _find_target(self):
        """The container's (pid, environment) for nsenter, or None: commands then go through podman exec."""
        if self.get_option("exec_method") == "podman" or self.get_option("remote_user") or os.geteuid() != 0:
            return None
        nsenter = shutil.which("nsenter")
        if not nsenter:
            return None
        cache = self._cache_file()
        try:
            with open(cache, encoding="utf-8") as kept:
                pid, started, env = json.load(kept)
            if start_time(pid) == started:
                return nsenter, pid, env
        except (OSError, ValueError):
            pass
        rc, out, err = self._podman(["inspect", "--type", "container", "--format", INSPECT_FORMAT,
                                     self.get_option("remote_addr")])
        if rc != 0:
            raise_if_missing(err)
            display.vvvv(f"podman inspect failed ({to_native(err).strip()}): running podman exec")
            return None
        try:
            pid, env = parse_inspect(to_native(out))
        except ValueError:
            return None
        started = start_time(pid) if pid > 0 else None
        if started is None:
            raise AnsibleConnectionFailure(f"podman: container {self.get_option('remote_addr')} is not running")
        os.makedirs(os.path.dirname(cache), mode=0o700, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=os.path.dirname(cache), delete=False, encoding="utf-8") as new:
            json.dump([pid, started, env], new)
        os.replace(new.name, cache)
        return nsenter, pid, env

    def _connect(self):
        if not self._connected:
            super()._connect()
            self._target = self._find_target()
            self._connected = True
        return self

    @ensure_connect
    def exec_command(self, cmd, in_data=None, sudoable=False):
        super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        cmd = to_native(cmd, errors="surrogate_or_strict")
        if self._target:
            nsenter, pid, env = self._target
            display.vvv(f"NSENTER {pid} {cmd}", host=self.get_option("remote_addr"))
            return self._run(nsenter_args(nsenter, pid, cmd), in_data, env=env)
        rc, out, err = self._podman(exec_args(self.get_option("remote_addr"), cmd, user=self.get_option("remote_user"),
                                              stdin=in_data is not None), in_data)
        if rc == 125:
            raise_if_missing(err)
        return rc, out, err

    def _in_container(self, path):
        """The host's path of `path` in the container (its process's root, else its mounted root
        filesystem, mounted on first use), or None: podman cp then."""
        if self._target:
            return os.path.join(f"/proc/{self._target[1]}/root", path.lstrip("/"))
        if self.get_option("remote_user"):
            return None
        if self._mount_point is None:
            rc, out, err = self._podman(["mount", self.get_option("remote_addr")])
            mount = to_native(out).strip()
            if rc == 0 and mount and os.path.isdir(mount) and os.listdir(mount):
                self._mount_point = mount
            else:
                raise_if_missing(err)
                display.vvvv(f"podman mount failed ({to_native(err).strip()}): copying with podman cp")
                self._mount_point = ""
        return os.path.join(self._mount_point, path.lstrip("/")) if self._mount_point else None

    def _copy(self, in_path, out_path, into):
        """Copy a file into the container (into=True) or out of it: through its root on the host, else podman cp."""
        container = self.get_option("remote_addr")
        display.vvv(f"{'PUT' if into else 'FETCH'} {in_path} TO {out_path}", host=container)
        local = self._in_container(out_path if into else in_path)
        if local:
            shutil.copyfile(in_path if into else local, local if into else out_path)
            return
        src, dest = (in_path, f"{container}:{out_path}") if into else (f"{container}:{in_path}", out_path)
        rc, err = self._podman(["cp", src, dest])[::2]
        if rc == 0 and into and self.get_option("remote_user"):
            rc, err = self._podman(["exec", container, "chown", self.get_option("remote_user"), out_path])[::2]
        if rc != 0:
            raise AnsibleError(f"podman: could not copy {src} to {dest}: {to_native(err).strip()}")

    @ensure_connect
    def put_file(self, in_path, out_path):
        super().put_file(in_path, out_path)
        self._copy(in_path, out_path, into=True)

    @ensure_connect
    def fetch_file(self, in_path, out_path):
        super().fetch_file(in_path, out_path)
        self._copy(in_path, out_path, into=False)

    def reset(self):
        self.close()

    def close(self):
        super().close()
        self._connected = False
