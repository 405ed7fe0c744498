"""Benchmark the serving stacks side by side in one run, on one local container.

Deploys keystone (and cinder, the one service with a standalone server, for the eventlet
row) with this collection into a systemd container on 127.0.0.31, then per row:
  - wrk (-t2 -c16, loopback only) on the version document and on token validation:
    req/s, p50/p99 latency, non-2xx/3xx answers and socket errors;
  - CPU seconds the serving processes spent per request (Apache + uWSGI, Apache with its
    mod_wsgi daemons, or Apache + the standalone server), from /proc (benchmarks/procstat.py);
  - RSS per worker process;
and once per service the in-process cost of the same requests (benchmarks/inproc.py: the
WSGI callable called in a loop). Prints overhead = serving CPU/request / in-process
CPU/request, and each row's throughput relative to the `uwsgi` row (collection defaults).
The first rows are the playbook's own speed: fresh converge and an unchanged re-run.

Run it through benchmarks/run.sh (sets the host up). Options:
  --duration S        seconds per wrk measurement (default 10)
  --rows a,b,...      subset of rows (default all), see ROWS below
  --variant NAME:MODE:JSON   an extra keystone row with extra vars, e.g.
                      'p4:uwsgi:{"keystone_wsgi_processes": 4}' (repeatable)
  --keep              leave the container running at the end
  --json FILE         also write every figure as JSON
"""
import argparse
import json
import os
import pathlib
import re
import shlex
import time
import urllib.request

from target import PASSWORD, REPO, Target, run

TARGET = Target("osapi-bench", "127.0.0.31", "bench")
BASE = TARGET.base

# devstack's uWSGI settings for keystone (lib/apache write_uwsgi_config, API_WORKERS on a
# 2-core host = 2): 2 processes x 1 thread and its option set, uWSGI request logging on.
DEVSTACK = {"keystone_wsgi_processes": 2, "keystone_wsgi_threads": 1,
            "keystone_uwsgi_overrides": {"chmod-socket": 666, "disable-logging": False}}

# name, service, mode, extra vars. "uwsgi" is the collection's defaults, the reference row.
ROWS = [
    ("devstack", "keystone", "uwsgi", DEVSTACK),
    ("uwsgi", "keystone", "uwsgi", {}),
    ("mod_wsgi", "keystone", "mod_wsgi", {}),
    ("cinder-uwsgi", "cinder", "uwsgi", {}),
    ("cinder-mod_wsgi", "cinder", "mod_wsgi", {}),
    ("cinder-eventlet", "cinder", "eventlet", {}),
]
SERVICES = {
    "keystone": {"entrypoint": "keystone.wsgi.api:application", "prefix": "/identity", "unit": "keystone-api",
                 "env": {"OS_KEYSTONE_CONFIG_DIR": "/etc/keystone"}},
    "cinder": {"entrypoint": "cinder.wsgi.api:application", "prefix": "/volume", "unit": "cinder-api", "env": {}},
}


def container():
    TARGET.start(fresh=True)
    for script in ("procstat.py", "inproc.py"):
        run(["podman", "cp", str(REPO / "benchmarks" / script), f"{TARGET.name}:/usr/local/lib/{script}"])


def token():
    body = json.dumps({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"id": "default"}, "password": PASSWORD}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}).encode()
    req = urllib.request.Request(f"{BASE}/identity/v3/auth/tokens", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.headers["X-Subject-Token"]


def procstat(units):
    return json.loads(TARGET.sh("python3 /usr/local/lib/procstat.py " + " ".join(units)))


def wrk(url, headers, duration):
    cmd = ["wrk", "-t2", "-c16", f"-d{duration}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    out = run(cmd + [url]).stdout

    def ms(label):
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"requests": int(re.search(r"(\d+) requests in", out).group(1)),
            "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50_ms": ms("50"), "p99_ms": ms("99"),
            "non_2xx_3xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": sum(int(x) for x in sock.groups()) if sock else 0}


def serving_units(service, mode):
    unit = SERVICES[service]["unit"]
    return ["apache2"] if mode == "mod_wsgi" else ["apache2", unit]


def workers(stat, service, mode):
    """RSS of the processes that run the application (not Apache's own, for uwsgi/eventlet)."""
    unit = SERVICES[service]["unit"]
    if mode == "mod_wsgi":
        # mod_wsgi's display-name is cut to the length of Apache's own argv[0]
        procs = [p for p in stat["apache2"]["processes"]
                 if p["cmd"].startswith("(wsgi:") and f"(wsgi:{unit})".startswith(p["cmd"].split()[0])]
    elif mode == "uwsgi":
        procs = [p for p in stat[unit]["processes"] if p["pid"] != stat[unit]["main_pid"]]
    else:
        procs = stat[unit]["processes"]
    apache = [p for p in stat["apache2"]["processes"] if not p["cmd"].startswith("(wsgi:")]
    return ([round(p["rss_kb"] / 1024) for p in procs], sum(p["rss_kb"] for p in apache) // 1024)


def measure(service, mode, endpoints, duration):
    units = serving_units(service, mode)
    out = {}
    for label, (path, headers) in endpoints.items():
        url = BASE + SERVICES[service]["prefix"] + path
        wrk(url, headers, 3)  # warm every worker's caches
        before = procstat(units)
        load = wrk(url, headers, duration)
        after = procstat(units)
        cpu = sum(after[u]["cpu_seconds"] - before[u]["cpu_seconds"] for u in units)
        load["serving_cpu_per_request_us"] = round(cpu / max(load["requests"], 1) * 1e6, 1)
        out[label] = load
    rss, apache_mb = workers(procstat(units), service, mode)
    out["worker_rss_mb"], out["apache_rss_mb"] = rss, apache_mb
    return out


def inproc(service, path, headers, count):
    svc = SERVICES[service]
    env = " ".join(f"{k}={v}" for k, v in svc["env"].items())
    args = " ".join(shlex.quote(f"{k}={v}") for k, v in headers.items())
    user = service
    out = TARGET.sh(f"cd /var/lib/{service} && runuser -u {user} -- env {env} /opt/openstack/{service}/bin/python "
                    f"/usr/local/lib/inproc.py {svc['entrypoint']} {svc['prefix']} {path} {count} {args} 2>/dev/null")
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rows", default=",".join(r[0] for r in ROWS))
    parser.add_argument("--variant", action="append", default=[])
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--json")
    args = parser.parse_args()

    rows = [r for r in ROWS if r[0] in args.rows.split(",")]
    for variant in args.variant:
        name, mode, extra = variant.split(":", 2)
        rows.append((name, "keystone", mode, json.loads(extra)))
    services = sorted({r[1] for r in rows} | {"keystone"}, key=["keystone", "placement", "cinder"].index)
    results = {"host": {"cpus": os.cpu_count(), "date": time.strftime("%Y-%m-%d %H:%M")}, "rows": {}}

    print(f"== playbook speed: fresh container, keystone + placement on {TARGET.address}", flush=True)
    container()
    inv = TARGET.inventory(["keystone", "placement"])
    results["playbook_fresh"] = TARGET.playbook(inv, {}, profile=True)
    results["playbook_rerun"] = TARGET.playbook(inv, {}, profile=True)
    for key in ("playbook_fresh", "playbook_rerun"):
        res = results[key]
        print(f"{key:15} {res['seconds']:7.1f}s  tasks {res['tasks']:4}  changed {res['changed']}")
        for name, sec in res["slowest"][:5]:
            print(f"{'':15} {sec:7.1f}s  {name[:90]}")

    inv = TARGET.inventory(services)
    tok = token()
    validate_headers = {"X-Auth-Token": tok, "X-Subject-Token": tok}
    keystone_eps = {"version": ("/v3", {}), "validate": ("/v3/auth/tokens", validate_headers)}
    cinder_eps = {"version": ("/", {})}
    for name, service, mode, extra in rows:
        print(f"== row {name}: {service} in {mode} {json.dumps(extra) if extra else ''}", flush=True)
        # the other services run in uwsgi meanwhile (keystone's mod_wsgi daemons would
        # otherwise sit in Apache's process tree during cinder's rows)
        vars_ = {f"{s}_wsgi_mode": "uwsgi" for s in services}
        vars_.update({f"{service}_wsgi_mode": mode}, **extra)
        TARGET.playbook(inv, vars_)
        time.sleep(2)
        results["rows"][name] = {"service": service, "mode": mode, "extra": extra,
                                 "loadavg_before": os.getloadavg()[0],
                                 **measure(service, mode, keystone_eps if service == "keystone" else cinder_eps,
                                           args.duration)}

    results["inproc"] = {
        "keystone": {"version": inproc("keystone", "/v3", {}, 2000),
                     "validate": inproc("keystone", "/v3/auth/tokens", {"X-Auth-Token": tok, "X-Subject-Token": tok},
                                        400)}}
    if "cinder" in services:
        results["inproc"]["cinder"] = {"version": inproc("cinder", "/", {}, 2000)}

    report(results)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    if not args.keep:
        TARGET.remove()


def report(results):
    ref = results["rows"].get("uwsgi")
    print()
    print("row              endpoint   req/s  rel.uwsgi  p50 ms  p99 ms  errors  serving CPU us/req  "
          "in-process us/req  overhead  worker RSS MB")
    for name, row in results["rows"].items():
        for ep in ("version", "validate"):
            if ep not in row:
                continue
            m = row[ep]
            base = results["inproc"][row["service"]][ep]["cpu_per_request"] * 1e6
            rel = f"{m['rps'] / ref[ep]['rps']:.2f}" if ref and row["service"] == "keystone" and ep in ref else "-"
            print(f"{name:16} {ep:9} {m['rps']:7.0f}  {rel:>9}  {m['p50_ms']:6.2f}  {m['p99_ms']:6.2f}  "
                  f"{m['non_2xx_3xx'] + m['socket_errors']:6}  {m['serving_cpu_per_request_us']:18.0f}  "
                  f"{base:17.0f}  {m['serving_cpu_per_request_us'] / base:8.2f}  "
                  f"{','.join(map(str, row['worker_rss_mb']))} (+Apache {row['apache_rss_mb']})")
    print("host load average (1 min) before each row: " + ", ".join(
        f"{name} {row['loadavg_before']:.1f}" for name, row in results["rows"].items()))
    print("overhead = CPU seconds of Apache + the application server per request / CPU seconds of the bare "
          "WSGI call; rel.uwsgi = req/s relative to the collection's default uwsgi row (keystone).")


if __name__ == "__main__":
    main()
