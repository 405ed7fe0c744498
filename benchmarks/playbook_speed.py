"""Time the deploy playbook itself: a fresh converge and an unchanged re-run.

Deploys keystone + placement (uWSGI behind Apache, the collection's defaults) with
playbooks/deploy.yml into a new systemd container osapi-speed on 127.0.0.32 (host
network), then runs the playbook again unchanged, and prints for each run the wall time,
the tasks run (ok + skipped), changed (the re-run must show 0) and the slowest tasks
(ansible.posix.profile_tasks). Figures only: nothing here asserts a time.

Run it through benchmarks/playbook_speed.sh (sets the host up). Options:
  --image IMAGE      the container's image (default: the bare test image)
  --reruns N         unchanged re-runs to time (default 1; the figures of each are printed)
  --slowest N        how many of the slowest tasks to print (default 10)
  --watch REGEX      also print the summed time of the tasks whose names match (default: the
                     distribution packages, what the fuller image saves)
  -e VAR=VALUE       an ANSIBLE_* setting for every run (repeatable), e.g. -e ANSIBLE_PIPELINING=true
  --connection NAME  the connection plugin (default osapi.wsgi.podman)
  --keep             leave the container running at the end
  --json FILE        also write every figure as JSON
"""
import argparse
import json
import os
import pathlib
import re
import sys
import time

from target import IMAGE, Target


def show(label, res, watch):
    print(f"{label:10} {res['seconds']:7.1f} s  tasks {res['tasks']:4} (ok {res['ok']}, skipped {res['skipped']})"
          f"  changed {res['changed']}  podman calls {res['podman_calls']}", flush=True)
    watched = [sec for name, sec in res["profile"] if re.search(watch, name)]
    res["watched_seconds"] = round(sum(watched), 1)
    print(f"{'':10} {res['watched_seconds']:7.1f} s  in {len(watched)} task(s) matching {watch!r}")
    for name, sec in res["slowest"]:
        print(f"{'':10} {sec:7.1f} s  {name[:100]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", default=IMAGE)
    parser.add_argument("--reruns", type=int, default=1)
    parser.add_argument("--slowest", type=int, default=10)
    parser.add_argument("--watch", default=": Install packages ")
    parser.add_argument("-e", dest="settings", action="append", default=[], metavar="ANSIBLE_X=VALUE")
    parser.add_argument("--connection", default="osapi.wsgi.podman")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--json")
    args = parser.parse_args()
    settings = dict(item.split("=", 1) for item in args.settings)
    if any(not key.startswith("ANSIBLE_") for key in settings):
        sys.exit("-e takes ANSIBLE_<SETTING>=<value>, e.g. -e ANSIBLE_PIPELINING=true")

    target = Target("osapi-speed", "127.0.0.32", "speed", image=args.image)
    results = {"date": time.strftime("%Y-%m-%d %H:%M"), "cpus": os.cpu_count(), "image": args.image,
               "settings": settings, "connection": args.connection, "loadavg_before": os.getloadavg()[0]}
    print(f"== keystone + placement into a new container {target.name} ({args.image}) on {target.address}"
          + (f", {' '.join(args.settings)}" if settings else ""), flush=True)
    results["container_start_seconds"] = round(target.start(fresh=True), 1)
    print(f"{'start':10} {results['container_start_seconds']:7.1f} s  container up, systemd running")
    try:
        inv = target.inventory(["keystone", "placement"], connection=args.connection)
        results["fresh"] = target.playbook(inv, {}, profile=True, env=settings, slowest=args.slowest)
        show("converge", results["fresh"], args.watch)
        results["reruns"] = []
        while len(results["reruns"]) < args.reruns:
            results["reruns"].append(target.playbook(inv, {}, profile=True, env=settings, slowest=args.slowest))
            show("re-run", results["reruns"][-1], args.watch)
    finally:
        if not args.keep:
            target.remove()
    print(f"host load average (1 min) before the runs: {results['loadavg_before']:.1f}; "
          f"playbook log: {target.work / 'last-playbook.log'}")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
