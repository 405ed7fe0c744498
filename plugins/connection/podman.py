# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run tasks in a local podman container with `podman exec`, pipelining modules over stdin."""

from __future__ import annotations

DOCUMENTATION = r"""
name: podman
short_description: Run tasks in a local podman container, with pipelining
version_added: 0.1.0
description:
  - Runs commands in a running container of the local podman with C(podman exec) and copies
    files through the container's mounted root filesystem (C(podman mount); C(podman cp) where
    the root filesystem cannot be mounted, e.g. rootless).
  - Unlike C(containers.podman.podman), it passes standard input to C(podman exec -i), so modules
    are pipelined - one C(podman exec) per module instead of five (home directory, temporary
    directory, permissions, module, clean-up). Each C(podman exec) costs about 0.1-0.3 s.
  - Pipelining is on by default; set O(pipelining=false) to copy every module into the container.
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

import os
import shlex
import shutil
import subprocess

from ansible.errors import AnsibleConnectionFailure, AnsibleError
from ansible.module_utils.common.text.converters import to_bytes, to_native
from ansible.plugins.connection import ConnectionBase, ensure_connect
from ansible.utils.display import Display

display = Display()


def exec_args(container, cmd, user=None, stdin=False):
    """podman's arguments that run the command line `cmd` in `container` (-i: pass standard input)."""
    args = ["exec"]
    if stdin:
        args.append("-i")
    if user:
        args += ["--user", user]
    return args + [container] + shlex.split(cmd)


class Connection(ConnectionBase):
    """podman exec, with modules pipelined over stdin."""

    transport = "osapi.wsgi.podman"
    has_pipelining = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._mount_point = None

    def _podman(self, args, in_data=None):
        executable = shutil.which(self.get_option("podman_executable"))
        if not executable:
            raise AnsibleError(f"{self.get_option('podman_executable')}: command not found; install podman "
                               "or set ansible_podman_executable")
        argv = [executable] + shlex.split(self.get_option("podman_extra_args") or "") + args
        display.vvv(f"RUN {argv}", host=self.get_option("remote_addr"))
        proc = subprocess.run([to_bytes(arg, errors="surrogate_or_strict") for arg in argv], input=in_data,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
        return proc.returncode, proc.stdout, proc.stderr

    def _connect(self):
        if not self._connected:
            super()._connect()
            rc, out, err = self._podman(["mount", self.get_option("remote_addr")])
            mount = to_native(out).strip()
            if rc == 0 and mount and os.path.isdir(mount) and os.listdir(mount):
                self._mount_point = mount
            elif rc != 0 and b"no such container" in err.lower():
                raise AnsibleConnectionFailure(f"podman: {to_native(err).strip()}")
            else:
                display.vvvv(f"podman mount failed ({to_native(err).strip()}): copying with podman cp")
            self._connected = True
        return self

    @ensure_connect
    def exec_command(self, cmd, in_data=None, sudoable=False):
        super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        return self._podman(exec_args(self.get_option("remote_addr"), to_native(cmd, errors="surrogate_or_strict"),
                                      user=self.get_option("remote_user"), stdin=in_data is not None), in_data)

    def _in_container(self, path):
        if self._mount_point and not self.get_option("remote_user"):
            return os.path.join(self._mount_point, path.lstrip("/"))
        return None

    def _copy(self, in_path, out_path, into):
        """Copy a file into the container (into=True) or out of it: through its mounted root, else podman cp."""
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
