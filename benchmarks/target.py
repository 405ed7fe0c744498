"""The local systemd container the benchmarks deploy into, and the playbook runs they time.

Shared by benchmarks/bench.py (osapi-bench, 127.0.0.31) and benchmarks/playbook_speed.py
(osapi-speed, 127.0.0.32): one container per benchmark, labelled so that a container of
the same name made by anything else is never touched.
"""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

REPO = pathlib.Path(__file__).resolve().parent.parent
IMAGE = "localhost/osapi-wsgi-debian:bookworm"
PASSWORD = "bench-secret"


def run(cmd, check=True, **kw):
    return subprocess.run(cmd, check=check, text=True, capture_output=True, **kw)


class Target:
    def __init__(self, name, address, label, image=IMAGE):
        self.name, self.address, self.label, self.image = name, address, label, image
        self.base = f"http://{address}"
        self.work = REPO / ".cache" / label
        self.work.mkdir(parents=True, exist_ok=True)

    def sh(self, cmd):
        return run(["podman", "exec", self.name, "bash", "-c", cmd]).stdout

    def start(self, fresh=True):
        """(Re)create the container and wait for systemd; returns the seconds it took."""
        start = time.monotonic()
        label = run(["podman", "container", "inspect", "-f", '{{index .Config.Labels "osapi.wsgi"}}', self.name],
                    check=False).stdout.strip()
        exists = run(["podman", "container", "exists", self.name], check=False).returncode == 0
        if exists and label != self.label:
            sys.exit(f"a container named {self.name} exists and was not made by this script; not touching it")
        if exists and fresh:
            self.remove()
        cache = os.environ.get("OSAPI_CACHE", "/var/cache/osapi-wsgi")
        pathlib.Path(f"{cache}/apt/{self.name}/partial").mkdir(parents=True, exist_ok=True)
        run(["podman", "run", "-d", "--name", self.name, "--label", f"osapi.wsgi={self.label}",
             "--hostname", self.name, "--network", "host", "--systemd", "always", "--cap-add", "SYS_ADMIN",
             "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768",
             "-v", f"{cache}/wheelhouse:/wheelhouse:ro", "-v", f"{cache}/apt/{self.name}:/var/cache/apt/archives",
             self.image, "/lib/systemd/systemd"])
        run(["podman", "exec", self.name, "systemctl", "is-system-running", "--wait"], check=False)
        return time.monotonic() - start

    def remove(self):
        run(["podman", "rm", "-f", "-t", "10", self.name], check=False)

    def inventory(self, services, connection="osapi.wsgi.podman"):
        inv = {"all": {
            "vars": {
                "ansible_connection": connection,
                "ansible_python_interpreter": "/usr/bin/python3",
                "osapi_wsgi_listen_address": self.address,
                "keystone_admin_password": PASSWORD,
                "keystone_public_url": f"{self.base}/identity",
                "cinder_auth_strategy": "noauth",
                "osapi_wsgi_pip_find_links": ["/wheelhouse"],
                "osapi_wsgi_pip_no_index": os.environ.get("OSAPI_PIP_NO_INDEX", "false") == "true",
            },
            # MariaDB and memcached on the same container (osapi.wsgi.backends), as the
            # services' defaults expect on an all-in-one host
            "children": {group: {"hosts": {self.name: None}} for group in ["backends"] + list(services)}}}
        path = self.work / "inventory.yml"
        path.write_text(json.dumps(inv, indent=1))
        return path

    def playbook(self, inv, extra, profile=False, env=None, slowest=8):
        """Run playbooks/deploy.yml; seconds, tasks run (ok + skipped), changed, podman calls, the slowest tasks."""
        # count the connection's podman calls (exec, mount, cp) through a wrapper
        calls = self.work / "podman-calls.log"
        wrapper = self.work / "podman"
        wrapper.write_text(f'#!/bin/sh\necho "$1" >> {calls}\nexec {shutil.which("podman")} "$@"\n')
        wrapper.chmod(0o755)
        calls.write_text("")
        env = dict(os.environ, ANSIBLE_FORCE_COLOR="0", ANSIBLE_PODMAN_EXECUTABLE=str(wrapper), **(env or {}))
        if profile:
            env["ANSIBLE_CALLBACKS_ENABLED"] = "ansible.posix.profile_tasks"
            env["PROFILE_TASKS_TASK_OUTPUT_LIMIT"] = "all"
        start = time.monotonic()
        proc = run(["ansible-playbook", "-i", str(inv), str(REPO / "playbooks/deploy.yml"), "-e", json.dumps(extra)],
                   check=False, env=env)
        seconds = time.monotonic() - start
        (self.work / "last-playbook.log").write_text(proc.stdout + proc.stderr)
        if proc.returncode != 0:
            sys.exit(f"playbook failed (rc {proc.returncode}), see {self.work / 'last-playbook.log'}")
        recap = re.search(r"ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=\d+\s+skipped=(\d+)", proc.stdout)
        ok, changed, skipped = (int(x) for x in recap.groups())
        # every task's time, slowest first
        tasks = [(name.strip(), float(sec)) for name, sec in re.findall(r"^(.+?) -+ (\d+\.\d+)s$", proc.stdout, re.M)]
        return {"seconds": round(seconds, 1), "tasks": ok + skipped, "ok": ok, "skipped": skipped,
                "changed": changed, "podman_calls": len(calls.read_text().split()), "slowest": tasks[:slowest],
                "profile": tasks}
