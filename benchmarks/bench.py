"""Benchmark serving setups of keystone and placement in interleaved, repeated rounds.

Deploys keystone and placement with this collection (and its backends role: MariaDB and
memcached) into a systemd container on 127.0.0.31. Each row is a set of extra variables;
the playbook runs once per distinct set and the files it wrote (configs, units, Apache
sites) are kept in the container as a snapshot. Then, ROUNDS times, every row in turn
(A B C, C B A, A B C, ...: benchmarks/stats.py) gets its snapshot back (restored and its
services restarted, seconds instead of a playbook run) and is measured:
  - wrk (-t2 -c16, loopback only) per endpoint of the row: req/s, p50/p99 latency,
    non-2xx/3xx answers and socket errors;
  - CPU seconds the serving processes spent per request (Apache + uWSGI or gunicorn, or Apache's
    mod_wsgi daemons, from /proc: benchmarks/procstat.py), and the CPU the backends
    (memcached, MariaDB) spent;
  - the host's load average before, and the share of the host's CPU that processes other
    than this benchmark's used during the measurement (host /proc/stat minus ours);
and in the first round the in-process cost of the same requests (benchmarks/inproc.py:
the WSGI callable called in a loop, no server) and the workers' RSS.
Each row's figures are compared with its reference row *of the same round*; the report
gives the median of those ratios over the rounds and their spread (max - min), and names a
difference only where it exceeds the spread.

Run it through benchmarks/run.sh (sets the host up). Options:
  --rounds N          rounds (default 5)
  --duration S        seconds per wrk measurement (default 10; warm-up 3 s before each)
  --rows a,b,...      subset of rows (default: DEFAULT_ROWS), see ROWS below
  --variant NAME:JSON an extra keystone row with extra vars, e.g.
                      'p4:{"keystone_wsgi_processes": 4}' (repeatable)
  --keep              leave the container running at the end
  --json FILE         also write every figure as JSON
"""
import argparse
import hashlib
import json
import os
import pathlib
import re
import resource
import shlex
import sys
import time
import urllib.error
import urllib.request

import stats
from target import PASSWORD, REPO, Target, run

TARGET = Target("osapi-bench", "127.0.0.31", "bench")
BASE = TARGET.base
SNAPSHOTS = "/var/tmp/osapi-bench"
# what the playbook writes that differs between rows
SNAPSHOT_PATHS = ["etc/keystone", "etc/placement", "etc/apache2", "etc/systemd/system",
                  "opt/openstack/keystone/wsgi", "opt/openstack/placement/wsgi"]
UNITS = ["keystone-api", "placement-api"]

# devstack's keystone (lib/apache write_uwsgi_config with API_WORKERS on a 2-core host = 2,
# uWSGI request logging on, socket mode 666; lib/keystone: [cache] backend
# dogpile.cache.memcached, python-memcached), on the same MariaDB and memcached.
DEVSTACK = {"keystone_wsgi_processes": 2, "keystone_wsgi_threads": 1,
            "keystone_uwsgi_overrides": {"chmod-socket": 666, "disable-logging": False},
            "keystone_cache_backend": "dogpile.cache.memcached"}

# name: (extra vars, endpoint set, reference row). "defaults" is the collection's defaults.
ROWS = {
    "defaults": ({}, "keystone", "defaults"),
    "devstack": (DEVSTACK, "keystone", "defaults"),
    # keystone's per-process cache: fast, but a revoked token stays valid in the other workers
    "dict": ({"keystone_cache_backend": "oslo_cache.dict"}, "keystone", "defaults"),
    "mod_wsgi": ({"keystone_wsgi_mode": "mod_wsgi"}, "keystone", "defaults"),
    # gunicorn (gthread workers, 2 x 1 thread like the defaults) on its unix socket behind mod_proxy_http
    "gunicorn": ({"keystone_wsgi_mode": "gunicorn"}, "keystone", "defaults"),
    "gunicorn-t4": ({"keystone_wsgi_mode": "gunicorn", "keystone_wsgi_threads": 4}, "keystone", "defaults"),
    # other memcached clients for keystone's cache (oslo.cache backends; run.sh puts their
    # wheels in the wheelhouse), and more workers to hide the round trips to memcached
    "pymemcache": ({"keystone_cache_backend": "dogpile.cache.pymemcache",
                    "keystone_pip_extra_packages": ["pymemcache"]}, "keystone-validate", "defaults"),
    # the C client (libmemcached, bundled in pylibmc's manylinux wheel; cp311 only)
    "pylibmc": ({"keystone_cache_backend": "dogpile.cache.pylibmc",
                 "keystone_pip_extra_packages": ["pylibmc"]}, "keystone-validate", "defaults"),
    "bmemcached": ({"keystone_cache_backend": "dogpile.cache.bmemcached",
                    "keystone_pip_extra_packages": ["python-binary-memcached"]}, "keystone-validate", "defaults"),
    "p3": ({"keystone_wsgi_processes": 3}, "keystone-validate", "defaults"),
    "dict-p3": ({"keystone_cache_backend": "oslo_cache.dict", "keystone_wsgi_processes": 3},
                "keystone-validate", "defaults"),
    # placement with keystonemiddleware (defaults) and without any authentication
    "placement": ({}, "placement", "placement-noauth"),
    "placement-noauth": ({"placement_auth_strategy": "noauth2"}, "placement-noauth", "placement-noauth"),
}
DEFAULT_ROWS = ["defaults", "devstack", "dict", "placement", "placement-noauth"]
# the coherent cache's target: validate within 10 % of the per-process dict cache
TARGET_RATIO = ("defaults", "dict", "validate", 0.90)

SERVICES = {
    "keystone": {"entrypoint": "keystone.wsgi.api:application", "prefix": "/identity",
                 "env": {"OS_KEYSTONE_CONFIG_DIR": "/etc/keystone"}},
    "placement": {"entrypoint": "placement.wsgi.api:application", "prefix": "/placement",
                  "env": {"OS_PLACEMENT_CONFIG_DIR": "/etc/placement"}},
}


def endpoints(kind, tok):
    """label: (service, path, headers, in-process calls) of an endpoint set."""
    validate = {"validate": ("keystone", "/v3/auth/tokens", {"X-Auth-Token": tok, "X-Subject-Token": tok}, 400)}
    if kind == "keystone":
        return {"version": ("keystone", "/v3", {}, 2000), **validate}
    if kind == "keystone-validate":  # cache variants: the version document does not touch the cache
        return validate
    # placement's noauth2 takes the token "admin" as an admin user
    auth = {"X-Auth-Token": "admin"} if kind == "placement-noauth" else {"X-Auth-Token": tok}
    return {"version": ("placement", "/", {}, 2000),
            "providers": ("placement", "/resource_providers", auth, 1000)}


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


def host_cpu():
    """Busy and total jiffies of the whole host (every core), from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as handle:
        fields = [int(x) for x in handle.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def loadavg():
    with open("/proc/loadavg", encoding="ascii") as handle:
        return handle.read().split()[:4]


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
            "errors": (int(non2xx.group(1)) if non2xx else 0) + (sum(int(x) for x in sock.groups()) if sock else 0)}


def serving_units(mode_of):
    """The units whose processes serve a row: Apache, plus the uWSGI units that exist."""
    return ["apache2"] + [unit for unit in UNITS if mode_of.get(unit) == "uwsgi"]


def measure(url, headers, duration, units):
    """One wrk run with CPU accounting around it."""
    wrk(url, headers, 3)  # warm every worker's caches
    load = loadavg()
    before = procstat(units + ["memcached", "mariadb"])
    busy0, total0 = host_cpu()
    own0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = wrk(url, headers, duration)
    own1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy1, total1 = host_cpu()
    after = procstat(units + ["memcached", "mariadb"])
    tick = os.sysconf("SC_CLK_TCK")
    serving = sum(after[u]["cpu_seconds"] - before[u]["cpu_seconds"] for u in units)
    backends = sum(after[u]["cpu_seconds"] - before[u]["cpu_seconds"] for u in ("memcached", "mariadb"))
    wrk_cpu = (own1.ru_utime + own1.ru_stime) - (own0.ru_utime + own0.ru_stime)
    total = (total1 - total0) / tick  # CPU seconds available on every core during the run
    others = (busy1 - busy0) / tick - serving - backends - wrk_cpu
    requests = max(result["requests"], 1)
    result.update({
        "loadavg": " ".join(load),
        "serving_cpu_us": round(serving / requests * 1e6, 1),
        "backends_cpu_us": round(backends / requests * 1e6, 1),
        "cpu_us": round((serving + backends) / requests * 1e6, 1),
        "others_cpu_share": round(max(others, 0.0) / total, 3) if total else None,
    })
    return result


class Snapshots:
    """The rows' deployments, kept as tar files in the container and put back in seconds."""

    def __init__(self):
        self.current = None
        self.modes = {}

    @staticmethod
    def key(extra):
        return hashlib.sha1(json.dumps(extra, sort_keys=True).encode()).hexdigest()[:12]

    def deploy(self, services, extra, base=None):
        """Run the playbook for `services` with `extra` vars, over the snapshot `base`; keep the result."""
        key = self.key(extra)
        if key in self.modes:
            return key
        if base:
            self.restore(base)
        result = TARGET.playbook(TARGET.inventory(services), extra)
        print(f"   deployed {json.dumps(extra) if extra else '(defaults)'} in {result['seconds']:.0f}s", flush=True)
        TARGET.sh(f"mkdir -p {SNAPSHOTS} && tar -C / -cf {SNAPSHOTS}/{key}.tar "
                  + " ".join(p for p in SNAPSHOT_PATHS if TARGET.sh(f"test -e /{p} && echo y || true").strip()))
        self.modes[key] = {unit: ("uwsgi" if TARGET.sh(f"systemctl is-active {unit} || true").strip() == "active"
                                  else "none") for unit in UNITS}
        self.current = key
        return key

    def restore(self, key):
        if key == self.current:
            return
        units = " ".join(UNITS)
        TARGET.sh(f"systemctl stop {units} || true; cd / && rm -rf {' '.join('/' + p for p in SNAPSHOT_PATHS)} && "
                  f"tar -C / -xpf {SNAPSHOTS}/{key}.tar && systemctl daemon-reload && "
                  f"systemctl restart apache2 {' '.join(u for u, m in self.modes[key].items() if m == 'uwsgi')}")
        self.current = key


def wait_ok(url, headers, timeout=180):
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as resp:
                if resp.status < 400:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            sys.exit(f"{url} does not answer after a restore")
        time.sleep(1)


def inproc(service, path, headers, count):
    svc = SERVICES[service]
    env = " ".join(f"{k}={v}" for k, v in svc["env"].items())
    args = " ".join(shlex.quote(f"{k}={v}") for k, v in headers.items())
    out = TARGET.sh(f"cd /var/lib/{service} && runuser -u {service} -- env {env} /opt/openstack/{service}/bin/python "
                    f"/usr/local/lib/inproc.py {svc['entrypoint']} {svc['prefix']} {path} {count} {args} 2>/dev/null")
    return json.loads(out.strip().splitlines()[-1])


def rss(service, units):
    """RSS (MB) of the processes running the service's application (uWSGI workers, mod_wsgi daemons)."""
    unit = f"{service}-api"
    if unit not in units:  # mod_wsgi: its daemons in Apache's tree, their name cut to Apache's argv[0]
        return [round(p["rss_kb"] / 1024) for p in procstat(["apache2"])["apache2"]["processes"]
                if p["cmd"].startswith("(wsgi:") and f"(wsgi:{unit})".startswith(p["cmd"].split()[0])]
    stat = procstat([unit])[unit]
    return [round(p["rss_kb"] / 1024) for p in stat["processes"] if p["pid"] != stat["main_pid"]]


def parse_rows(args):
    rows = {}
    for name in args.rows.split(","):
        if name not in ROWS:
            sys.exit(f"--rows: unknown row {name!r}; rows: {', '.join(ROWS)}")
        rows[name] = ROWS[name]
    for variant in args.variant:
        name, dummy, extra = variant.partition(":")
        try:
            rows[name] = (json.loads(extra), "keystone", "defaults")
        except json.JSONDecodeError as exc:
            sys.exit(f"--variant {variant!r}: expected NAME:JSON ({exc})")
    for name, row in rows.items():
        ref = row[2]
        if ref not in rows:
            sys.exit(f"row {name} is compared with row {ref}: add it to --rows")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rows", default=",".join(DEFAULT_ROWS))
    parser.add_argument("--variant", action="append", default=[])
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--json")
    parser.add_argument("--report", metavar="JSON", help="print the report (and a Markdown table) of an earlier --json")
    args = parser.parse_args()
    if args.report:
        results = json.loads(pathlib.Path(args.report).read_text())
        summarize(results)
        report(results)
        print()
        print(markdown(results))
        return
    rows = parse_rows(args)

    results = {"host": {"cpus": os.cpu_count(), "date": time.strftime("%Y-%m-%d %H:%M"), "loadavg_start": loadavg()},
               "settings": {"rounds": args.rounds, "duration": args.duration},
               "rows": {name: {"extra": extra, "endpoints": kind, "reference": ref}
                        for name, (extra, kind, ref) in rows.items()},
               "rounds": [], "inproc": {}, "rss_mb": {}}
    print(f"== deploy keystone + placement (+ MariaDB, memcached) on {TARGET.address}, "
          f"load {' '.join(loadavg())}", flush=True)
    TARGET.start(fresh=True)
    for script in ("procstat.py", "inproc.py"):
        run(["podman", "cp", str(REPO / "benchmarks" / script), f"{TARGET.name}:/usr/local/lib/{script}"])
    snaps = Snapshots()
    # everything with the defaults first; then each row's variables over it, for the one
    # service they concern (the engine keeps the other services' files as they are)
    base = snaps.deploy(["keystone", "placement"], {})
    keys = {name: snaps.deploy(["placement" if kind.startswith("placement") else "keystone"], extra, base)
            for name, (extra, kind, dummy) in rows.items()}
    tok = token()

    order = list(rows)
    for index in range(args.rounds):
        measured = {}
        for name in stats.round_order(order, index):
            kind = rows[name][1]
            snaps.restore(keys[name])
            mode_of = snaps.modes[keys[name]]
            units = serving_units(mode_of)
            eps = endpoints(kind, tok)
            measured[name] = {}
            for label, (service, path, headers, count) in eps.items():
                url = BASE + SERVICES[service]["prefix"] + path
                wait_ok(url, headers)
                res = measure(url, headers, args.duration, units)
                measured[name].update({f"{label}_{k}": v for k, v in res.items()})
                print(f"   round {index + 1}/{args.rounds} {name:17} {label:9} {res['rps']:7.0f} req/s  "
                      f"p99 {res['p99_ms']:6.1f} ms  errors {res['errors']}  serving {res['serving_cpu_us']:6.0f} us/req  "
                      f"load {res['loadavg']}  others {res['others_cpu_share']:.0%}", flush=True)
                if index == 0:
                    results["inproc"].setdefault(name, {})[label] = inproc(service, path, headers, count)
            if index == 0:
                results["rss_mb"][name] = rss(service, units)
        results["rounds"].append(measured)

    results["host"]["loadavg_end"] = loadavg()
    summarize(results)
    report(results)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    if not args.keep:
        TARGET.remove()


def summarize(results):
    """Medians of every figure and the ratios to each row's reference, per endpoint."""
    rounds = results["rounds"]
    results["summary"] = {}
    for name, row in results["rows"].items():
        labels = list(dict.fromkeys(k[:-4] for measured in rounds for k in measured.get(name, {})
                                    if k.endswith("_rps")))
        out = {}
        for label in labels:
            out[label] = {field: stats.median_of(rounds, name, f"{label}_{field}")
                          for field in ("rps", "p50_ms", "p99_ms", "errors", "serving_cpu_us", "backends_cpu_us",
                                        "others_cpu_share")}
            out[label]["ratio"] = stats.summary(stats.ratios(rounds, name, row["reference"], f"{label}_rps"))
            out[label]["verdict"] = stats.verdict(out[label]["ratio"])
            # CPU per request (serving + backends): the reference's / this row's, so > 1 = cheaper
            out[label]["cpu_ratio"] = stats.summary(
                [1 / x for x in stats.ratios(rounds, name, row["reference"], f"{label}_cpu_us")])
            out[label]["cpu_verdict"] = stats.verdict(out[label]["cpu_ratio"])
        results["summary"][name] = out
    row, ref, label, floor = TARGET_RATIO
    if row in results["rows"] and ref in results["rows"]:
        ratio = stats.summary(stats.ratios(rounds, row, ref, f"{label}_rps"))
        cpu = stats.summary([1 / x for x in stats.ratios(rounds, row, ref, f"{label}_cpu_us")])
        results["target"] = {"row": row, "reference": ref, "endpoint": label, "floor": floor, "ratio": ratio,
                             "met": stats.target_met(ratio, floor), "cpu_ratio": cpu,
                             "cpu_met": stats.target_met(cpu, floor)}


def fmt_ratio(ratio):
    if not ratio["n"]:
        return "-"
    return f"{ratio['median']:.2f} [{ratio['low']:.2f}-{ratio['high']:.2f}]"


def markdown(results):
    """The summary as a Markdown table (docs/performance.md)."""
    lines = ["| row | endpoint | req/s | req/s ratio | | CPU ratio | | p50 ms | p99 ms | errors | serving µs/req "
             "| backends µs/req | in-process µs/req | overhead | others' CPU | worker RSS MB |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, row in results["rows"].items():
        for label, fig in results["summary"][name].items():
            base = results["inproc"].get(name, {}).get(label, {}).get("cpu_per_request")
            base_us = base * 1e6 if base else None
            own = row["reference"] == name
            lines.append(
                f"| {name} | {label} | {fig['rps']:.0f} | "
                + ("reference | | reference | " if own else
                   f"{fmt_ratio(fig['ratio'])} | {fig['verdict']} | {fmt_ratio(fig['cpu_ratio'])} | {fig['cpu_verdict']} ")
                + f"| {fig['p50_ms']:.1f} | {fig['p99_ms']:.1f} | {fig['errors']:.0f} | {fig['serving_cpu_us']:.0f} | "
                f"{fig['backends_cpu_us']:.0f} | {base_us or 0:.0f} | "
                f"{fig['serving_cpu_us'] / base_us if base_us else 0:.2f} | {fig['others_cpu_share']:.0%} | "
                f"{', '.join(map(str, results['rss_mb'].get(name, [])))} |")
    return "\n".join(lines)


def report(results):
    print()
    print(f"{len(results['rounds'])} interleaved rounds; medians over the rounds; ratio = req/s / the reference row's "
          "req/s in the same round, median [lowest-highest]")
    print("row               endpoint   req/s  ratio (reference)                     verdict  p50 ms  p99 ms  errors  "
          "serving us/req  in-process us/req  overhead  backends us/req  others CPU  CPU ratio (reference)    worker RSS MB")
    for name, row in results["rows"].items():
        for label, fig in results["summary"][name].items():
            base = results["inproc"].get(name, {}).get(label, {}).get("cpu_per_request")
            base_us = base * 1e6 if base else None
            ratio = f"{fmt_ratio(fig['ratio'])} ({row['reference']})" if row["reference"] != name else "reference"
            verdict = fig["verdict"] if row["reference"] != name else ""
            cpu = f"{fmt_ratio(fig['cpu_ratio'])} {fig['cpu_verdict']}" if row["reference"] != name else ""
            print(f"{name:17} {label:9} {fig['rps']:7.0f}  {ratio:36}  {verdict:7}  {fig['p50_ms']:6.2f}  "
                  f"{fig['p99_ms']:6.2f}  {fig['errors']:6.0f}  {fig['serving_cpu_us']:14.0f}  "
                  f"{base_us if base_us else 0:17.0f}  "
                  f"{fig['serving_cpu_us'] / base_us if base_us else 0:8.2f}  {fig['backends_cpu_us']:15.0f}  "
                  f"{fig['others_cpu_share']:10.0%}  {cpu:23}  {','.join(map(str, results['rss_mb'].get(name, [])))}")
    if "target" in results:
        tgt = results["target"]
        print(f"target: {tgt['row']} {tgt['endpoint']} >= {tgt['floor']:.2f} x {tgt['reference']}: "
              f"{fmt_ratio(tgt['ratio'])}, met: {tgt['met']}; by CPU per request (serving + backends): "
              f"{fmt_ratio(tgt['cpu_ratio'])}, met: {tgt['cpu_met']}")
    print(f"host load average: start {' '.join(results['host']['loadavg_start'])}, "
          f"end {' '.join(results['host']['loadavg_end'])}")
    print("verdict: higher/lower only where |median - 1| exceeds the spread (highest - lowest ratio), else same. "
          "overhead = serving CPU per request / in-process CPU per request (first round). others CPU = share of "
          "the host's CPU used by processes other than this benchmark's during the measurement. CPU ratio = the "
          "reference's CPU per request (serving + memcached + MariaDB) / this row's, per round: > 1 is cheaper; it "
          "depends far less on what else runs on the host than req/s does.")


if __name__ == "__main__":
    main()
