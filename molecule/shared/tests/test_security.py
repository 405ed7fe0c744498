"""The security defaults on each live node (docs/security.md): no secret or socket open to
other users, no API process as root, the TLS key root's alone, and Apache names no version,
serves no /server-status and refuses TRACE."""
import re

PROCESS = re.compile(r"uwsgi|bin/cinder-api|^[a-z_-]+ +\(wsgi:", re.IGNORECASE)


def test_no_config_file_open_to_others_and_no_world_writable_directory(scenario, nodes, api_host):
    dirs = sorted({f"/etc/{item.user}" for item in scenario.deployed_apis() if item.host == api_host})
    found = nodes[api_host].check_output(
        "find" + " %s" * len(dirs) + " '(' -type f -perm /o=rwx ')' -o '(' -type d -perm /o=w ')' -printf '%%m %%u:%%g %%p\\n'",
        *dirs)
    assert found == ""


def test_service_configs_are_0640_root_and_the_service_group(scenario, nodes, api_host):
    configs = {f"/etc/{item.user}/{item.config_file}": item.user
               for item in scenario.deployed_apis() if item.host == api_host}
    for path, group in configs.items():
        conf = nodes[api_host].file(path)
        assert (conf.mode, conf.user, conf.group) == (0o640, "root", group), path


# MariaDB's socket is 0777 by design: the server authenticates every connection itself
# (password, or unix_socket for root), so it is not an API socket that trusts its peers.
AUTHENTICATING_SOCKETS = {"/run/mysqld/mysqld.sock"}


def test_no_socket_open_to_others(nodes, api_host):
    sockets = nodes[api_host].check_output(r"find /run -maxdepth 2 -type s -name '*.sock' -printf '%m %u:%g %p\n'")
    assert [line for line in sockets.splitlines()
            if not line.split()[0].endswith("0") and line.split()[-1] not in AUTHENTICATING_SOCKETS] == []


def test_tls_key_is_root_s_alone(nodes, api_host):
    key = nodes[api_host].file("/etc/apache2/osapi-wsgi-tls/osapi-wsgi.key")
    if key.exists:
        assert (key.mode, key.user, key.group) == (0o600, "root", "root")


def test_no_api_process_runs_as_root(nodes, api_host):
    procs = [line for line in nodes[api_host].processes() if PROCESS.search(line)]
    assert procs
    assert [line for line in procs if line.split()[0] == "root"] == []


def test_apache_names_no_version_and_refuses_trace(scenario, api, deployed_api):
    url = f"{scenario.node_url(deployed_api.host)}{deployed_api.prefix}/"
    answer = api.get(url)
    assert answer.status in (200, 300)
    assert answer.headers["Server"] == "Apache"
    assert api.request("TRACE", url).status == 405


def test_no_server_status(scenario, api, api_host):
    assert api.get(f"{scenario.node_url(api_host)}/server-status").status == 404


def test_api_units_are_sandboxed(scenario, nodes, api_host):
    """Each API's unit (uwsgi, gunicorn, eventlet) runs with the sandbox files.py gives it,
    and still serves (the health checks and every other test)."""
    units = [item.api for item in scenario.deployed_apis() if item.host == api_host and item.mode != "mod_wsgi"]
    for unit in units:
        shown = nodes[api_host].check_output(
            "systemctl show -p NoNewPrivileges -p ProtectSystem -p PrivateTmp -p ProtectHome -p ActiveState %s", unit)
        assert sorted(shown.split()) == ["ActiveState=active", "NoNewPrivileges=yes", "PrivateTmp=yes",
                                         "ProtectHome=yes", "ProtectSystem=strict"], unit


# the node's own listeners (ss shows the processes of this container only: the host network
# is shared with the other scenarios) of the backing services and the API servers
LISTENERS = re.compile(r'users:\(\("(memcached|mariadbd|mysqld|beam\.smp|epmd|cinder-api|uwsgi|gunicorn)"')


def test_backing_services_and_api_servers_listen_on_loopback_only(nodes, api_host):
    lines = [line for line in nodes[api_host].check_output("ss -Hltnp").splitlines() if LISTENERS.search(line)]
    local = [line.split()[3].rsplit(":", 1)[0].strip("[]") for line in lines]
    assert [address for address in local if not (address.startswith("127.") or address == "::1")] == [], lines
