"""HAProxy checks keystone's healthcheck on each node over TLS: the node's drain file takes it
out of HAProxy (503 on the node's healthcheck) and removing it brings it back. The nodes'
Apache logs the client's address, not HAProxy's (mod_remoteip)."""
import socket
import time
import urllib.parse


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
    lbs = {scenario.var("haproxy_source_address", lb) for lb in scenario.hosts("haproxy")}
    # this host's address towards HAProxy's frontend, the one the nodes should log
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect((urllib.parse.urlsplit(scenario.lb_url()).hostname, 443))
        client = probe.getsockname()[0]
    assert logged and not lbs & set(logged) and set(logged) == {client}, (logged, client)


def test_one_load_balancer_holds_the_floating_address_and_every_one_listens_on_it(nodes, scenario):
    """keepalived (haproxy_vip_enabled) on each load balancer, VRRP unicast to the others' own
    addresses; exactly one holds the floating address, and every HAProxy listens on it."""
    lbs = scenario.hosts("haproxy")
    vip = scenario.var("haproxy_bind_address", lbs[0])
    holders = [lb for lb in lbs if nodes[lb].run(f"ip -o addr show to {vip}").stdout.strip()]
    assert len(holders) == 1, holders
    own = {lb: scenario.var("haproxy_source_address", lb) for lb in lbs}
    for lb in lbs:
        node = nodes[lb]
        assert node.service("keepalived").is_running and node.service("keepalived").is_enabled
        assert node.socket(f"tcp://{vip}:443").is_listening
        config = node.file("/etc/keepalived/keepalived.conf").content_string
        assert f"unicast_src_ip {own[lb]}" in config
        assert all(f"        {address}\n" in config for peer, address in own.items() if peer != lb)


def test_plain_http_on_the_floating_address_redirects_to_https(scenario, api):
    """haproxy_tls_redirect_port (80): the same URL over HTTPS, 308 (method and body kept)."""
    https = f"{scenario.lb_url()}/identity/v3?redirect-check"
    answer = api.get(https.replace("https://", "http://", 1))
    assert (answer.status, answer.headers.get("Location")) == (308, https)
