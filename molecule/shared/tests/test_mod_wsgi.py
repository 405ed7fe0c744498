"""Each API served by Apache mod_wsgi: its daemon processes, no uWSGI, the generated script."""
import pytest

pytestmark = pytest.mark.mode("mod_wsgi")


def test_daemon_processes_run_as_the_service_user_and_no_uwsgi(nodes, deployed_api):
    procs = nodes[deployed_api.host].processes()
    daemons = [line for line in procs if deployed_api.daemon_name.search(line)]
    if deployed_api.processes is None:
        assert daemons, procs
    else:
        assert len(daemons) == deployed_api.processes, procs
    assert all(line.split()[0] == deployed_api.user for line in daemons), daemons
    assert not [line for line in procs if "uwsgi" in line], procs


def test_no_unit_and_the_script_imports_the_module_path(nodes, deployed_api):
    node = nodes[deployed_api.host]
    assert not node.file(f"/etc/systemd/system/{deployed_api.api}.service").exists
    script = node.file(f"/opt/openstack/{deployed_api.service}/wsgi/{deployed_api.api}.wsgi").content_string
    assert f'import_module("{deployed_api.module}")' in script
