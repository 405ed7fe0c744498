"""HAProxy checks keystone's healthcheck on each node over TLS: the node's drain file takes it
out of HAProxy (503 on the node's healthcheck) and removing it brings it back. The nodes'
Apache logs the client's address, not HAProxy's (mod_remoteip)."""
import time


def keystone_status(lb, host):
    stat = lb.check_output("echo 'show stat' | socat stdio /run/haproxy/admin.sock").splitlines()
    return {line.split(",")[1]: line.split(",")[17] for line in stat if line.startswith("keystone-api,")}.get(host)


def wait_for(lb, host, wanted, seconds=30):
    deadline = time.monotonic() + seconds
    while keystone_status(lb, host) != wanted and time.monotonic() < deadline:
        time.sleep(0.5)
    return keystone_status(lb, host)


def test_haproxy_checks_the_healthcheck_over_tls(nodes, scenario):
    lb = nodes[scenario.hosts("haproxy")[0]]
    config = lb.file("/etc/haproxy/haproxy.cfg").content_string
    assert "option httpchk GET /identity/healthcheck" in config
    for host in scenario.hosts("keystone"):
        assert f"server {host} " in config and f"ssl verify required ca-file /etc/haproxy/osapi-wsgi-ca.pem verifyhost {host}" in config


def test_a_drain_file_takes_the_node_out_and_back(nodes, scenario, api):
    lb = nodes[scenario.hosts("haproxy")[0]]
    host = scenario.hosts("keystone")[-1]
    node = nodes[host]
    healthcheck = f"{scenario.node_url(host)}/identity/healthcheck"
    assert api.get(healthcheck).status == 200
    node.run_expect([0], "touch /etc/keystone/healthcheck_disable")
    try:
        assert api.get(healthcheck).status == 503
        assert wait_for(lb, host, "DOWN") == "DOWN"
        # the other node serves every request meanwhile
        answers = [api.get(f"{scenario.lb_url()}/identity/v3").status for dummy in range(4)]
        assert answers == [200] * 4
    finally:
        node.run_expect([0], "rm -f /etc/keystone/healthcheck_disable")
    assert wait_for(lb, host, "UP") == "UP"


def test_apache_logs_the_clients_address_not_haproxys(nodes, scenario, api):
    marker = f"remoteip-{time.monotonic_ns()}"
    answers = [api.get(f"{scenario.lb_url()}/identity/v3?{marker}").status for dummy in scenario.hosts("keystone")]
    assert answers == [200] * len(answers)
    logged = []
    for host in scenario.hosts("keystone"):
        log = nodes[host].run(f"grep -h {marker} /var/log/apache2/osapi-wsgi_access.log").stdout.splitlines()
        logged += [line.split()[0] for line in log]
    lb = scenario.var("haproxy_source_address", scenario.hosts("haproxy")[0])
    assert logged and lb not in logged and all(address.startswith("127.") for address in logged), logged
