"""memcached over TLS with client certificates (osapi_wsgi_memcached_tls, on with TLS): on each
backends node memcached answers no plain connection and no TLS client without a certificate
of the deployment's CA, and answers the services' own certificate (docs/security.md)."""
import json

import pytest

# Run on the node: the memcached listener of /etc/memcached.conf, tried three ways
PROBE = r"""
import json, socket, ssl, sys
conf = open("/etc/memcached.conf").read().split()
host, port = conf[conf.index("-l") + 1], int(conf[conf.index("-p") + 1])
ca, cert, key = sys.argv[1:4]
def ask(wrap):
    try:
        with socket.create_connection((host, port), timeout=5) as raw:
            conn = wrap(raw)
            conn.settimeout(5)
            conn.sendall(b"version\r\n")
            return conn.recv(64).decode("ascii", "replace").strip() or "closed"
    except (OSError, ssl.SSLError) as error:
        return "refused: %s" % type(error).__name__
def tls(with_cert):
    context = ssl.create_default_context(cafile=ca)
    if with_cert:
        context.load_cert_chain(cert, key)
    return lambda raw: context.wrap_socket(raw, server_hostname=host)
print(json.dumps({"plain": ask(lambda raw: raw), "tls without certificate": ask(tls(False)),
                  "tls with the service's certificate": ask(tls(True))}))
"""


def test_memcached_answers_only_tls_clients_with_a_certificate_of_the_ca(scenario, nodes):
    hosts = [host for host in scenario.hosts("backends")
             if str(scenario.vars(host).get("osapi_wsgi_memcached_tls", scenario.tls(host))).lower() == "true"]
    if not hosts:
        pytest.skip("no backends node with osapi_wsgi_memcached_tls in this scenario")
    for host in hosts:
        # testinfra quotes each argument
        answers = json.loads(nodes[host].check_output(
            "python3 -c %s %s %s %s", PROBE, "/usr/local/share/ca-certificates/osapi-wsgi-ca.crt",
            "/etc/osapi-wsgi/memcache/keystone.crt", "/etc/osapi-wsgi/memcache/keystone.key"))
        assert not answers["plain"].startswith("VERSION"), answers
        assert not answers["tls without certificate"].startswith("VERSION"), answers
        assert answers["tls with the service's certificate"].startswith("VERSION "), answers
