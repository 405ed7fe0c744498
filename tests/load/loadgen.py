"""Bounded HTTP load generator for the osapi.wsgi tests (Python standard library only).

N workers send GET requests round-robin over the given URLs until the time limit, the
request limit or the stop file (whichever comes first), then print one JSON document:

    {"requests": 1234, "ok": 1234, "2xx": 1200, "3xx": 34, "other_status": {},
     "connection_errors": {}, "per_url": {...}, "errors": [first few], ...}

Only loopback targets are allowed: every URL must be http(s)://127.x.y.z[:port]/... or
http(s)://[::1][:port]/..., or be in a network given with --allow-network (a test's own
podman network: an RFC 1918 network of at most 65536 addresses)
(https: the server's certificate is verified against --cafile).
With --retries N a request that fails to connect or answers 502/503/504 is sent again up
to N times, 0.5 s after the first try and twice as long after each next one (as
keystoneauth retries); "retried" counts the requests that needed it.
"failure_window_s" is the time from the start of the first failed request to the end of the
last one (0 when none failed).
The exit status is 0 when every request answered 2xx/3xx, 1 otherwise, 2 on bad usage.

Example (a token in a header file, lines "Name: value"):

    loadgen.py --url http://127.0.0.23/identity/v3 \\
        --url http://127.0.0.23/identity/v3/auth/tokens --header-file /tmp/token.hdr \\
        --concurrency 4 --duration 120 --max-requests 100000 --stop-file /tmp/stop
"""
from __future__ import annotations

import argparse
import collections
import http.client
import ipaddress
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse

MAX_ERROR_SAMPLES = 20


def test_network(cidr: str) -> ipaddress.IPv4Network:
    """A test's own network (--allow-network): private IPv4, at most a /16."""
    try:
        network = ipaddress.ip_network(cidr)
    except ValueError as exc:
        raise ValueError(f"--allow-network {cidr}: not a network (e.g. 10.89.21.0/24)") from exc
    private = [ipaddress.ip_network(block) for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]
    if network.version != 4 or network.prefixlen < 16 or not any(network.subnet_of(block) for block in private):
        raise ValueError(f"--allow-network {cidr}: only a private (RFC 1918) IPv4 network of a test, /16 or smaller")
    return network


def loopback_url(url: str, networks: tuple = ()) -> urllib.parse.SplitResult:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url}: only http(s)://<127.x.y.z>[:port]/path URLs are allowed")
    try:
        addr = ipaddress.ip_address(parts.hostname)
    except ValueError as exc:
        raise ValueError(f"{url}: the host must be a literal 127.x.y.z or [::1] address") from exc
    if not (addr in ipaddress.ip_network("127.0.0.0/8") or addr == ipaddress.ip_address("::1")
            or any(addr in network for network in networks)):
        raise ValueError(f"{url}: refusing a target outside 127.0.0.0/8, [::1] and --allow-network")
    return parts


def read_headers(path: str | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if not path:
        return headers
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if line and not line.startswith("#"):
                name, value = line.split(":", 1) if ":" in line else (line, "")
                headers[name.strip()] = value.strip()
    return headers


def percentile_ms(values: list[float], pct: float) -> float:
    """The pct-th percentile (nearest rank) of latencies in seconds, in milliseconds."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return round(1000 * ordered[int(rank) - 1], 1)


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.status = collections.Counter()
        self.conn_errors = collections.Counter()
        self.per_url: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.errors: list[dict] = []
        self.latency_max = 0.0
        self.latency_sum = 0.0
        self.latencies: list[float] = []
        self.retried = 0
        self.failed_from: float | None = None
        self.failed_until: float | None = None

    def failed(self, began: float, ended: float) -> None:
        """A failed attempt (retried or not) from began to ended (monotonic seconds)."""
        with self.lock:
            self.failed_from = began if self.failed_from is None else min(self.failed_from, began)
            self.failed_until = ended if self.failed_until is None else max(self.failed_until, ended)

    def claim(self, limit: int) -> bool:
        with self.lock:
            if self.requests >= limit:
                return False
            self.requests += 1
            return True

    def record(self, url: str, status: int | None, error: str | None, elapsed: float, start: float) -> None:
        with self.lock:
            self.latency_sum += elapsed
            self.latency_max = max(self.latency_max, elapsed)
            self.latencies.append(elapsed)
            if status is not None:
                self.status[status] += 1
                self.per_url[url][str(status)] += 1
                bad = not 200 <= status < 400
            else:
                self.conn_errors[error] += 1
                self.per_url[url][error] += 1
                bad = True
            if bad and len(self.errors) < MAX_ERROR_SAMPLES:
                self.errors.append({"t": round(time.monotonic() - start, 3), "url": url,
                                    "status": status, "error": error})


def connection(key, args, context):
    """A new connection to (scheme, host, port): HTTPS verified against --cafile."""
    scheme, host, port = key
    if scheme == "https":
        return http.client.HTTPSConnection(host, port, timeout=args.timeout, context=context)
    return http.client.HTTPConnection(host, port, timeout=args.timeout)


RETRIED_STATUSES = (502, 503, 504)
RETRY_PAUSE = 0.5


def send(conns, key, path, headers, args, context):
    """One GET: (status, None) or (None, the exception's name)."""
    try:
        conn = conns.get(key) if args.keepalive else None
        if conn is None:
            conn = connection(key, args, context)
            if args.keepalive:
                conns[key] = conn
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        resp.read()
        if not args.keepalive or resp.will_close:
            conn.close()
            conns.pop(key, None)
        return resp.status, None
    except (OSError, http.client.HTTPException) as exc:
        old = conns.pop(key, None)
        if old is not None:
            old.close()
        return None, type(exc).__name__


def worker(targets, headers, args, stats: Stats, deadline: float, start: float, offset: int,
           context: ssl.SSLContext | None = None) -> None:
    conns: dict[tuple[str, str, int], http.client.HTTPConnection] = {}
    i = offset
    while time.monotonic() < deadline and not (args.stop_file and os.path.exists(args.stop_file)):
        if not stats.claim(args.max_requests):
            break
        url, parts = targets[i % len(targets)]
        i += 1
        key = (parts.scheme, parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        req_headers = dict(headers)
        if not args.keepalive:
            req_headers["Connection"] = "close"
        t0 = time.monotonic()
        for attempt in range(args.retries + 1):
            began = time.monotonic()
            status, error = send(conns, key, path, req_headers, args, context)
            if error is None and 200 <= status < 400:
                break
            stats.failed(began, time.monotonic())
            if error is None and status not in RETRIED_STATUSES:
                break
            if attempt < args.retries:
                if attempt == 0:
                    with stats.lock:
                        stats.retried += 1
                time.sleep(RETRY_PAUSE * 2 ** attempt)
        stats.record(url, status, error, time.monotonic() - t0, start)
        if args.delay > 0:
            time.sleep(args.delay)
    for conn in conns.values():
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--url", action="append", required=True,
                        help="target URL (repeatable; loopback or --allow-network only)")
    parser.add_argument("--allow-network", action="append", default=[],
                        help="a test's own network whose addresses may be targets (private IPv4, /16 or smaller)")
    parser.add_argument("--retries", type=int, default=0,
                        help="send a request that failed to connect or answered 502/503/504 again, up to N times")
    parser.add_argument("--concurrency", type=int, default=4, help="parallel workers (default 4)")
    parser.add_argument("--duration", type=float, default=60, help="time limit in seconds (default 60, max 1800)")
    parser.add_argument("--max-requests", type=int, default=100000, help="request limit (default 100000)")
    parser.add_argument("--keepalive", action="store_true", help="reuse connections (default: one per request)")
    parser.add_argument("--timeout", type=float, default=30, help="per-request timeout in seconds")
    parser.add_argument("--delay", type=float, default=0.0, help="pause of each worker between requests")
    parser.add_argument("--cafile", help="CA certificate(s) to verify https targets against")
    parser.add_argument("--header-file", help='extra request headers, one "Name: value" a line')
    parser.add_argument("--stop-file", help="stop early once this file exists")
    parser.add_argument("--output", help="also write the JSON result to this file")
    args = parser.parse_args(argv)

    try:
        networks = tuple(test_network(cidr) for cidr in args.allow_network)
        targets = [(url, loopback_url(url, networks)) for url in args.url]
    except ValueError as exc:
        parser.error(str(exc))
    if not 0 <= args.retries <= 10:
        parser.error("--retries must be 0..10")
    if not 1 <= args.concurrency <= 64:
        parser.error("--concurrency must be 1..64")
    if not 0 < args.duration <= 1800:
        parser.error("--duration must be in (0, 1800] seconds")
    if args.max_requests < 1:
        parser.error("--max-requests must be >= 1")
    headers = read_headers(args.header_file)

    stats = Stats()
    start = time.monotonic()
    deadline = start + args.duration
    context = ssl.create_default_context(cafile=args.cafile) if any(parts.scheme == "https" for dummy, parts in targets) else None
    threads = [threading.Thread(target=worker, args=(targets, headers, args, stats, deadline, start, n, context),
                                daemon=True)
               for n in range(args.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start

    done = sum(stats.status.values()) + sum(stats.conn_errors.values())
    ok_2xx = sum(n for s, n in stats.status.items() if 200 <= s < 300)
    ok_3xx = sum(n for s, n in stats.status.items() if 300 <= s < 400)
    other = {str(s): n for s, n in sorted(stats.status.items()) if not 200 <= s < 400}
    result = {
        "requests": done,
        "ok": ok_2xx + ok_3xx,
        "2xx": ok_2xx,
        "3xx": ok_3xx,
        "other_status": other,
        "other_status_total": sum(other.values()),
        "connection_errors": dict(stats.conn_errors),
        "connection_errors_total": sum(stats.conn_errors.values()),
        "per_url": {url: dict(counts) for url, counts in stats.per_url.items()},
        "errors": stats.errors,
        "seconds": round(elapsed, 2),
        "requests_per_second": round(done / elapsed, 1) if elapsed else 0,
        "latency_avg_ms": round(1000 * stats.latency_sum / done, 1) if done else 0,
        "latency_max_ms": round(1000 * stats.latency_max, 1),
        "latency_p50_ms": percentile_ms(stats.latencies, 50),
        "latency_p99_ms": percentile_ms(stats.latencies, 99),
        "concurrency": args.concurrency,
        "keepalive": args.keepalive,
        "retries": args.retries,
        "retried": stats.retried,
        "failure_window_s": round(stats.failed_until - stats.failed_from, 2) if stats.failed_from is not None else 0,
    }
    text = json.dumps(result, indent=2, sort_keys=True)
    print(text)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    return 0 if done > 0 and result["ok"] == done else 1


if __name__ == "__main__":
    sys.exit(main())
