"""Each API served by uWSGI: its unit, its master and workers, its socket."""
import pytest

pytestmark = pytest.mark.mode("uwsgi")


def test_unit_is_active_enabled_notify_as_the_service_user(nodes, deployed_api):
    unit = nodes[deployed_api.host].unit(f"{deployed_api.api}.service")
    assert (unit["ActiveState"], unit["UnitFileState"], unit["Type"], unit["User"]) == (
        "active", "enabled", "notify", deployed_api.user)


def test_master_and_workers_run_as_the_service_user(nodes, deployed_api):
    node = nodes[deployed_api.host]
    pid = node.unit(f"{deployed_api.api}.service")["MainPID"]
    procs = node.check_output("ps -o user:32=,args= --ppid %s --pid %s", pid, pid).splitlines()
    assert len(procs) >= 3, procs
    assert all(line.split()[0] == deployed_api.user for line in procs), procs
    assert all(deployed_api.api in line for line in procs), procs


def test_socket_is_0660_for_the_service_user_and_apache(nodes, deployed_api):
    sock = nodes[deployed_api.host].file(f"/run/{deployed_api.api}/{deployed_api.api}.sock")
    assert sock.is_socket
    assert (sock.mode, sock.user, sock.group) == (0o660, deployed_api.user, "www-data")
