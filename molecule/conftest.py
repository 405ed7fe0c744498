"""Fixtures shared by the scenarios' testinfra tests (molecule/*/tests, molecule/shared/tests).

Molecule's testinfra verifier runs pytest with ``--connection=ansible
--ansible-inventory=<the scenario's inventory>``. Every fact a test needs (which host runs
which service, addresses, ports, TLS, passwords, modes) is read from that inventory, i.e.
from the group_vars and host_vars of the scenario's molecule.yml, and from the catalog;
no test file names an address.

Fixtures:
  scenario   the facts (Scenario below), built once per run
  api        HTTP client for the APIs (loopback and the scenario's own network only, TLS
             verified against the scenario's CA)
  node       the first host of the scenario (Node below: a testinfra host, reached with
             ``podman exec``, plus unit(), processes(), listening())
  nodes      every host by inventory name (for scenarios with several)
  deployed_api  parametrizes a test over each API deployed on each host (DeployedApi below),
             optionally only those of one mode: ``@pytest.mark.mode("uwsgi")``
  api_host   parametrizes a test over each host that runs a catalog service (its name)
  cloud      runs python-openstackclient ($OSAPI_CLIENTS) as the scenario's admin through
             keystone's catalog (a clouds.yaml of mode 0600: no password on a command line)
  read_call_made  whether the tests make an API's catalog read call (not when it needs a
             worker or the client is blocked)

OSAPI_TEST_MODES ("keystone=mod_wsgi cinder=uwsgi") overrides the modes of the inventory:
the mode_switch scenario checks the services again after each switch.
"""
from __future__ import annotations

import dataclasses
import glob
import http.client
import importlib.util
import ipaddress
import itertools
import json
import os
import pathlib
import re
import signal
import ssl
import subprocess
import tempfile
import threading
import urllib.parse

import pytest
import testinfra
import yaml
from testinfra.utils.ansible_runner import AnsibleRunner

REPO = pathlib.Path(__file__).resolve().parents[1]
# the collection's one reader of the catalog, loaded by its path (no Ansible needed here)
_CATALOG_SPEC = importlib.util.spec_from_file_location("osapi_catalog", REPO / "plugins" / "plugin_utils" / "catalog.py")
osapi_catalog = importlib.util.module_from_spec(_CATALOG_SPEC)
_CATALOG_SPEC.loader.exec_module(osapi_catalog)
PODMAN_CONNECTIONS = ("podman", "containers.podman.podman", "osapi.wsgi.podman")


def load_catalog() -> dict:
    """The service catalog (service -> package, project, config_file, apis, ...)."""
    return osapi_catalog.load()


@dataclasses.dataclass(frozen=True)
class DeployedApi:
    """One API of one service on one host, with what the tests need to know about it."""

    host: str
    service: str
    user: str
    api: str
    entrypoint: str
    prefix: str
    port: int
    mode: str
    processes: int | None
    config_file: str
    token_required: bool
    server: str | None  # the standalone server's command (eventlet mode), None when there is none

    def __str__(self) -> str:
        return f"{self.api}@{self.host}"

    @property
    def module(self) -> str:
        return self.entrypoint.split(":", 1)[0]

    @property
    def daemon_name(self) -> re.Pattern:
        """mod_wsgi's display-name=%{GROUP} ``(wsgi:<api>``, cut by the kernel to the length of /usr/sbin/apache2."""
        return re.compile(re.escape(f"(wsgi:{self.api}"[:17]))


class Scenario:
    """The facts of a Molecule scenario, read from its Ansible inventory."""

    def __init__(self, inventory: str | None):
        if not inventory:
            raise pytest.UsageError("no --ansible-inventory: run these tests through `molecule verify` "
                                    "or give the scenario's inventory directory")
        self.runner = AnsibleRunner.get_runner(inventory)
        self.catalog = load_catalog()
        self.mode_overrides = dict(item.split("=", 1) for item in os.environ.get("OSAPI_TEST_MODES", "").split())

    def hosts(self, group: str = "all") -> list[str]:
        """The inventory hosts of a group, in inventory order."""
        hosts = self.runner.get_hosts(group)
        if not hosts:
            raise LookupError(f"no host in group {group!r} of the scenario's inventory")
        return hosts

    def vars(self, host: str | None = None) -> dict:
        """A host's variables (the first host's when none is named)."""
        return self.runner.get_variables(host or self.hosts()[0])

    def var(self, name: str, host: str | None = None):
        values = self.vars(host)
        if name not in values:
            raise KeyError(f"{name} is not set in the scenario's inventory (molecule.yml group_vars/host_vars)")
        return values[name]

    def services(self, host: str | None = None) -> list[str]:
        """The catalog services deployed on a host (its inventory groups)."""
        groups = set(self.vars(host)["group_names"])
        return [service for service in self.catalog if service in groups]

    def mode(self, service: str, host: str | None = None) -> str:
        if service in self.mode_overrides:
            return self.mode_overrides[service]
        values = self.vars(host)
        return values.get(f"{service}_wsgi_mode", values.get("osapi_wsgi_mode", "uwsgi"))

    def processes(self, service: str, host: str | None = None) -> int | None:
        """Workers per API when the inventory gives a number (None: the role's computed default)."""
        values = self.vars(host)
        value = values.get(f"{service}_wsgi_processes", values.get("osapi_wsgi_processes"))
        return int(value) if isinstance(value, int) or str(value).isdigit() else None

    def deployed_apis(self, mode: str | None = None) -> list[DeployedApi]:
        found = []
        for host in self.hosts():
            for service in self.services(host):
                entry = self.catalog[service]
                for api in entry["apis"]:
                    found.append(DeployedApi(
                        host=host, service=service, user=entry.get("project", service), api=api["name"],
                        entrypoint=api["entrypoint"], prefix=api["prefix"], port=int(api["port"]),
                        mode=self.mode(service, host), processes=self.processes(service, host),
                        config_file=entry["config_file"], token_required=bool(api.get("token_required")),
                        server=(api.get("standalone") or {}).get("argv", [None])[0]))
        return [item for item in found if mode is None or item.mode == mode]

    def own_networks(self) -> list:
        """The subnets of the scenario's own podman networks (the platforms' `network` in its
        molecule.yml, as podman holds them; shared/create.yml makes them): tests may speak to
        their addresses besides loopback."""
        directory = os.environ.get("MOLECULE_SCENARIO_DIRECTORY")
        if not directory:
            return []
        config = yaml.safe_load((pathlib.Path(directory) / "molecule.yml").read_text())
        names = sorted({platform["network"] for platform in config.get("platforms") or [] if platform.get("network")})
        if not names:
            return []
        done = subprocess.run(["podman", "network", "inspect", "--format", "{{range .Subnets}}{{.Subnet}} {{end}}",
                               *names], capture_output=True, text=True, timeout=60, check=True)
        return [ipaddress.ip_network(subnet) for subnet in done.stdout.split()]

    def api_hosts(self) -> list[str]:
        """The hosts that run at least one catalog service."""
        return [host for host in self.hosts() if self.services(host)]

    @staticmethod
    def url(scheme: str, address: str, port: int) -> str:
        """scheme://address[:port] (IPv6 in brackets, no default port); listening on every
        address: reach it on the loopback of the same family."""
        address = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(address, address)
        if ipaddress.ip_address(address).version == 6:
            address = f"[{address}]"
        default = {"http": 80, "https": 443}[scheme]
        return f"{scheme}://{address}" + ("" if int(port) == default else f":{port}")

    def tls(self, host: str | None = None) -> bool:
        return str(self.vars(host).get("osapi_wsgi_tls_enabled", False)).lower() == "true"

    def address(self, host: str | None = None) -> str:
        """The address the host's APIs are reached at (connect address, else listen address)."""
        values = self.vars(host)
        return values.get("osapi_wsgi_connect_address") or self.var("osapi_wsgi_listen_address", host)

    def node_url(self, host: str | None = None) -> str:
        """Base URL of a host's Apache frontend."""
        return self.url("https" if self.tls(host) else "http", self.address(host),
                        self.vars(host).get("osapi_wsgi_http_port", 80))

    def lb_url(self) -> str:
        """Base URL of the HAProxy frontend."""
        lb = self.hosts("haproxy")[0]
        scheme = "https" if self.tls(lb) else "http"
        return self.url(scheme, self.var("haproxy_bind_address", lb),
                        self.vars(lb).get("haproxy_port", 443 if scheme == "https" else 80))

    def base_url(self) -> str:
        """Where clients reach the APIs: HAProxy when the scenario has one, else the first host."""
        return self.lb_url() if "haproxy" in self.runner.inventory else self.node_url()

    def cafile(self) -> str | None:
        """The CA the scenario's TLS certificates are checked against: osapi_test_ca_file, else
        the collection's CA (osapi.wsgi.tls: <inventory dir>/.osapi-secrets/tls/ca.crt)."""
        if not self.tls():
            return None
        return self.vars().get("osapi_test_ca_file") or os.path.join(self.secrets_dir(), "tls", "ca.crt")

    def secrets_dir(self) -> str:
        """Where the deploy generated its secrets, the collection's CA and the admin's
        clouds.yaml and openrc (osapi_wsgi_secrets_dir's default: <inventory dir>/.osapi-secrets)."""
        inventory = self.runner.inventory_file
        inventory_dir = inventory if os.path.isdir(inventory) else os.path.dirname(inventory)
        return os.path.join(inventory_dir, ".osapi-secrets")

    def node(self, host: str):
        """A testinfra host for an inventory host: ``podman exec`` for podman connections
        (testinfra's ansible backend would start ``ansible`` for every command)."""
        connection = self.vars(host).get("ansible_connection")
        if connection in PODMAN_CONNECTIONS:
            return testinfra.get_host(f"podman://{host}")
        return testinfra.get_host(f"ansible://{host}", ansible_inventory=self.runner.inventory_file)


@dataclasses.dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self):
        return json.loads(self.body)


class Api:
    """A small HTTP client for the APIs: no redirects followed, no proxy, loopback (and the
    scenario's own network) only."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.cafile = scenario.cafile()
        self.networks = scenario.own_networks()

    def request(self, method: str, url: str, *, json_body=None, body=None, headers=None,
                chunked: bool = False, timeout: float = 120) -> Answer:
        parts = urllib.parse.urlsplit(url)
        address = ipaddress.ip_address(parts.hostname)
        if not (address.is_loopback or any(address in network for network in self.networks)):
            raise ValueError(f"refusing {url}: the tests only speak to loopback addresses and the scenario's own network")
        headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        if chunked:  # body: an iterable of byte strings, sent as they come, without a Content-Length
            headers["Transfer-Encoding"] = "chunked"
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(parts.hostname, parts.port or 443, timeout=timeout,
                                               context=ssl.create_default_context(cafile=self.cafile))
        else:
            conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
        try:
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            conn.request(method, path or "/", body=body, headers=headers, encode_chunked=chunked)
            answer = conn.getresponse()
            return Answer(answer.status, answer.headers, answer.read())
        finally:
            conn.close()

    def get(self, url: str, **kwargs) -> Answer:
        return self.request("GET", url, **kwargs)

    def issue_token(self, base_url: str, password: str | None = None, scoped: bool = True) -> Answer:
        """POST a password authentication of keystone's bootstrap admin (keystone_admin_password),
        scoped to the admin project."""
        auth = {"identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"id": "default"},
            "password": self.scenario.var("keystone_admin_password") if password is None else password}}}}
        if scoped:
            auth["scope"] = {"project": {"name": "admin", "domain": {"id": "default"}}}
        return self.request("POST", f"{base_url}/identity/v3/auth/tokens", json_body={"auth": auth})

    def token(self, base_url: str) -> str:
        issued = self.issue_token(base_url)
        assert issued.status == 201, f"token issue on {base_url}: HTTP {issued.status}"
        return issued.headers["X-Subject-Token"]

    def validate_token(self, base_url: str, token: str) -> Answer:
        return self.get(f"{base_url}/identity/v3/auth/tokens", headers={"X-Auth-Token": token, "X-Subject-Token": token})


class Node:
    """A testinfra host (``node.file(...)``, ``node.run(...)``, ...) with the few reads the tests share."""

    def __init__(self, name: str, host):
        self.name = name
        self.host = host

    def __getattr__(self, attribute: str):
        return getattr(self.host, attribute)

    def unit(self, unit: str) -> dict:
        """``systemctl show`` of a unit as a dict (ActiveState, UnitFileState, Type, User, MainPID, ...)."""
        out = self.host.check_output("systemctl show --no-pager %s", unit)
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def processes(self) -> list[str]:
        """Every process as ``<user> <command line>``."""
        return self.host.check_output("ps -eo user:32=,args=").splitlines()

    def listening(self) -> str:
        """The listening TCP sockets (``ss -Hltn``)."""
        return self.host.check_output("ss -Hltn")


_SCENARIO = pytest.StashKey[Scenario]()


def _scenario(config: pytest.Config) -> Scenario:
    if _SCENARIO not in config.stash:
        config.stash[_SCENARIO] = Scenario(config.option.ansible_inventory)
    return config.stash[_SCENARIO]


def pytest_configure(config: pytest.Config) -> None:
    """Refuse a shared check that molecule.yml lists but that does not exist: Molecule would
    leave it out without a word."""
    merged = os.environ.get("MOLECULE_FILE", "")
    if not os.path.isfile(merged):
        return
    with open(merged, encoding="utf-8") as stream:
        listed = (yaml.safe_load(stream).get("verifier") or {}).get("additional_files_or_dirs") or []
    tests = os.path.join(os.environ.get("MOLECULE_SCENARIO_DIRECTORY", ""), "tests")
    missing = [path for path in listed if not glob.glob(os.path.join(tests, path))]
    if missing:
        raise pytest.UsageError(f"verifier.additional_files_or_dirs in molecule.yml lists {missing}: no such file")


_TESTED = pytest.StashKey[set]()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "deployed_api" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("mode")
        apis = _scenario(metafunc.config).deployed_apis(marker.args[0] if marker else None)
        metafunc.parametrize("deployed_api", apis, ids=[str(item) for item in apis])
        metafunc.config.stash.setdefault(_TESTED, set()).update((item.host, item.service, item.mode) for item in apis)
    if "api_host" in metafunc.fixturenames:
        metafunc.parametrize("api_host", _scenario(metafunc.config).api_hosts())


@pytest.fixture(scope="session")
def scenario(pytestconfig: pytest.Config) -> Scenario:
    return _scenario(pytestconfig)


@pytest.fixture(scope="session")
def api(scenario: Scenario) -> Api:
    return Api(scenario)


@pytest.fixture(scope="session")
def nodes(scenario: Scenario) -> dict[str, Node]:
    return {host: Node(host, scenario.node(host)) for host in scenario.hosts()}


@pytest.fixture(scope="session")
def node(scenario: Scenario, nodes: dict[str, Node]) -> Node:
    return nodes[scenario.hosts()[0]]


def _read_call_made(api: dict) -> bool:
    """Whether the tests make an API's catalog read call: it has one, and it needs no worker
    process (read_call_worker)."""
    return bool(api.get("read_call")) and not api.get("read_call_worker")


@pytest.fixture(scope="session")
def read_call_made():
    """The rule above, for the tests that make or record the catalog's read calls."""
    return _read_call_made


# python-openstackclient of scripts/setup.sh (requirements-clients.txt, $OSAPI_CLIENTS)
CLIENT = pathlib.Path(os.environ.get("OSAPI_CLIENTS", "")) / "openstack"
FORKSERVER = pathlib.Path(__file__).resolve().parent / "shared" / "osc_forkserver.py"


class OpenstackCommands:
    """`openstack` commands through molecule/shared/osc_forkserver.py: the client's own
    main(argv) in a forked process per command, without importing the client each time;
    several at once when called from several threads."""

    def __init__(self, python: pathlib.Path):
        self.work = tempfile.mkdtemp(prefix="osapi-osc-")
        self.proc = subprocess.Popen([str(python), str(FORKSERVER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1)
        self.ids = itertools.count()
        self.lock = threading.Lock()
        self.waiting: dict[int, dict] = {}
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            message = json.loads(line)
            slot = self.waiting.get(message["id"])
            if slot is not None:
                slot.update(message)
                if "rc" in message:
                    slot["done"].set()
        for slot in list(self.waiting.values()):  # the fork server ended: nothing more will answer
            slot.setdefault("rc", None)
            slot["done"].set()

    def run(self, argv: list[str], env: dict, timeout: int) -> subprocess.CompletedProcess:
        number = next(self.ids)
        out, err = (os.path.join(self.work, f"{number}.{name}") for name in ("out", "err"))
        slot = {"done": threading.Event()}
        self.waiting[number] = slot
        with self.lock:
            self.proc.stdin.write(json.dumps({"id": number, "argv": argv, "env": env, "out": out, "err": err}) + "\n")
            self.proc.stdin.flush()
        if not slot["done"].wait(timeout) and "pid" in slot:
            os.kill(slot["pid"], signal.SIGKILL)  # the command this fixture started, past its time
            slot["done"].wait(10)
        self.waiting.pop(number, None)
        read = [pathlib.Path(path).read_text(errors="replace") if os.path.exists(path) else "" for path in (out, err)]
        for path in (out, err):
            if os.path.exists(path):
                os.unlink(path)
        code = slot.get("rc")
        if code is None:
            code, read[1] = 1, read[1] + f"\nno answer from {FORKSERVER.name} within {timeout} s"
        return subprocess.CompletedProcess(["openstack", *argv], code, read[0], read[1])

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        os.rmdir(self.work)


@pytest.fixture(scope="session")
def cloud(scenario):
    """Runs `openstack <args>` against the scenario's cloud, as keystone's admin through the
    clouds.yaml the deploy wrote for the operator (keystone_client_files_dir); returns the
    parsed JSON (or text). The commands run through OpenstackCommands (the client's main in a
    forked process each); test_cloud also runs the `openstack` console script itself."""
    if not CLIENT.exists():
        pytest.fail(f"no openstack client at {CLIENT}: run through scripts/test.sh (it sets OSAPI_CLIENTS)")
    config = pathlib.Path(scenario.secrets_dir()) / "clouds.yaml"
    if not config.exists():
        pytest.fail(f"no {config}: the keystone role writes it for the admin (keystone_client_files_dir)")
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(config), OS_CLOUD="osapi")
    commands = OpenstackCommands(CLIENT.parent / "python3")

    def run(*args, fmt="json", check=True, extra_env=None):
        argv = [*args] + (["-f", fmt] if fmt else [])
        done = commands.run(argv, dict(env, **(extra_env or {})), timeout=180)
        if check:
            assert done.returncode == 0, f"openstack {' '.join(args)}: {done.stderr.strip()[-600:]}"
        else:
            return done
        return json.loads(done.stdout) if fmt == "json" and done.stdout.strip() else done.stdout
    yield run
    commands.close()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Record which Debian release and mode this scenario's tests passed (or failed) on:
    .cache/platforms/<scenario>.json, {"<release> <mode>": {services, passed}} and the same
    per OpenStack series, {"series <release> <series>": ...}, merged over
    the scenario's earlier runs of this stage (mode_switch checks after each switch). The
    platform matrix of docs/support-matrix.md is made from these (scripts/gen-support-matrix.py)."""
    tested = session.config.stash.get(_TESTED, set())
    name = os.environ.get("MOLECULE_SCENARIO_NAME")
    if not tested or not name or session.testscollected == 0:
        return
    scenario = _scenario(session.config)
    path = REPO / ".cache" / "platforms" / f"{name}.json"
    record = json.loads(path.read_text()) if path.exists() else {}
    releases, registries = {}, {}
    for host, service, mode in sorted(tested):
        if host not in releases:
            releases[host] = scenario.node(host).system_info.codename or "unknown"
            # the series each service runs there, as the deploy recorded it (docs/releases.md)
            registry = scenario.node(host).file("/etc/ansible/facts.d/osapi_wsgi.fact")
            registries[host] = json.loads(registry.content_string) if registry.exists else {}
        series = (registries[host].get(service) or {}).get("series")
        keys = [f"{releases[host]} {mode}"] + ([f"series {releases[host]} {series}"] if series else [])
        for key in keys:
            item = record.setdefault(key, {"services": [], "passed": True})
            if service not in item["services"]:
                item["services"].append(service)
            item["passed"] = item["passed"] and exitstatus == 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
