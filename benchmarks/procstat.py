"""CPU seconds and memory of the processes serving the APIs, read from /proc.

Runs inside the target with the system python3:  python3 procstat.py UNIT [UNIT ...]
For each systemd unit: the main process and all its descendants. CPU = user + system time
of every live process plus the time of the children each has already reaped, so workers
that came and went are counted too. Prints JSON {unit: {cpu_seconds, processes: [...]}}.
(cgroup accounting per unit is not available in these containers: the host's cgroups are
hybrid v1, so /proc is the common ground.)
"""
import json
import os
import subprocess
import sys

TICK = os.sysconf("SC_CLK_TCK")


def stat(pid):
    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
        raw = handle.read()
    fields = raw[raw.rindex(")") + 2:].split()
    # fields[0] is field 3 (state): ppid=4, utime=14, stime=15, cutime=16, cstime=17
    return int(fields[1]), sum(int(fields[i]) for i in (11, 12, 13, 14)) / TICK


def rss_kb(pid):
    with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cmdline(pid):
    with open(f"/proc/{pid}/cmdline", "rb") as handle:
        return handle.read().replace(b"\0", b" ").decode(errors="replace").strip()


def main():
    table = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            ppid, cpu = stat(pid)
            table[int(pid)] = (ppid, cpu)
        except (OSError, ValueError):
            continue
    out = {}
    for unit in sys.argv[1:]:
        main_pid = int(subprocess.run(["systemctl", "show", "-p", "MainPID", "--value", unit],
                                      capture_output=True, text=True, check=True).stdout.strip() or 0)
        tree, todo = set(), [main_pid] if main_pid else []
        while todo:
            pid = todo.pop()
            tree.add(pid)
            todo.extend(child for child, (parent, dummy) in table.items() if parent == pid and child not in tree)
        procs = []
        for pid in sorted(tree):
            try:
                procs.append({"pid": pid, "cmd": cmdline(pid)[:80], "rss_kb": rss_kb(pid)})
            except OSError:
                continue
        out[unit] = {"main_pid": main_pid, "cpu_seconds": sum(table[p][1] for p in tree if p in table),
                     "processes": procs}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
