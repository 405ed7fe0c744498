"""tests/load/loadgen.py: loopback only, bounded, counts every outcome."""
from __future__ import annotations

import http.server
import importlib.util
import json
import pathlib
import threading

import pytest

SPEC = importlib.util.spec_from_file_location(
    "loadgen", pathlib.Path(__file__).resolve().parents[3] / "tests" / "load" / "loadgen.py")
loadgen = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(loadgen)


@pytest.mark.parametrize("url", ["http://10.0.0.1/", "http://example.org/", "https://10.0.0.1/",
                                 "http://[::2]/", "http://[2001:db8::1]/", "ftp://127.0.0.1/"])
def test_refuses_targets_outside_loopback(url):
    with pytest.raises(ValueError):
        loadgen.loopback_url(url)


@pytest.mark.parametrize("url", ["http://127.0.0.14:8016/identity/v3", "https://127.0.0.12/", "http://[::1]:8016/identity/v3"])
def test_accepts_the_loopback_addresses(url):
    assert loadgen.loopback_url(url).hostname in ("127.0.0.14", "127.0.0.12", "::1")


def test_bad_usage_exits_2():
    with pytest.raises(SystemExit) as exc:
        loadgen.main(["--url", "http://192.0.2.1/"])
    assert exc.value.code == 2


@pytest.mark.parametrize("network", ["10.89.21.0/24", "192.168.7.0/24", "172.16.0.0/16"])
def test_accepts_a_tests_own_network(network):
    allowed = (loadgen.test_network(network),)
    host = network.split("/", 1)[0][:-1] + "20"
    assert loadgen.loopback_url(f"https://{host}/identity/v3", allowed).hostname == host
    with pytest.raises(ValueError):
        loadgen.loopback_url("https://10.99.0.20/identity/v3", allowed)


@pytest.mark.parametrize("network", ["10.0.0.0/8", "192.0.2.0/24", "8.8.8.0/24", "fd00::/64", "127.0.0.0/16", "x"])
def test_refuses_networks_that_are_not_a_tests_own(network):
    with pytest.raises(ValueError):
        loadgen.test_network(network)


FLAKY = {"count": 0}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.path == "/flaky":
            # every other request fails as a load balancer without a server would
            FLAKY["count"] += 1
            status = 503 if FLAKY["count"] % 2 else 200
        else:
            status = 200 if self.path == "/ok" else 503
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture()
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


@pytest.mark.parametrize("keepalive", [[], ["--keepalive"]])
def test_counts_and_request_limit(server, tmp_path, capsys, keepalive):
    out = tmp_path / "result.json"
    rc = loadgen.main(["--url", server + "/ok", "--url", server + "/bad", "--concurrency", "2",
                       "--max-requests", "40", "--duration", "20", "--output", str(out)] + keepalive)
    result = json.loads(out.read_text())
    assert rc == 1
    assert result["requests"] == 40
    assert result["2xx"] + result["other_status_total"] == 40
    assert result["other_status"] == {"503": result["other_status_total"]} and result["2xx"] > 0
    assert json.loads(capsys.readouterr().out) == result


def test_retries_hide_passing_failures_and_report_their_window(server, tmp_path):
    out = tmp_path / "result.json"
    rc = loadgen.main(["--url", server + "/flaky", "--concurrency", "1", "--max-requests", "6", "--duration", "20",
                       "--retries", "2", "--output", str(out)])
    result = json.loads(out.read_text())
    assert rc == 0 and result["ok"] == 6
    assert result["retried"] == 6 and result["failure_window_s"] > 1.0


def test_connection_errors_are_counted(tmp_path):
    out = tmp_path / "result.json"
    # port 9 (discard) is closed on the loopback of test hosts
    loadgen.main(["--url", "http://127.0.0.1:9/", "--max-requests", "3", "--duration", "5", "--output", str(out)])
    result = json.loads(out.read_text())
    assert result["connection_errors_total"] == 3 and result["ok"] == 0


@pytest.mark.parametrize("values,pct,expected", [
    ([], 99, 0.0),
    ([0.25], 99, 250.0),
    ([i / 1000 for i in range(1, 101)], 99, 99.0),
    ([i / 1000 for i in range(1, 101)], 50, 50.0),
    ([0.001] * 98 + [2.0, 3.0], 99, 2000.0),
])
def test_percentiles_are_nearest_rank_in_milliseconds(values, pct, expected):
    assert loadgen.percentile_ms(values, pct) == expected
