"""Each API served by its service's own standalone server behind Apache mod_proxy_http."""
import pytest

pytestmark = pytest.mark.mode("eventlet")


def test_unit_runs_the_standalone_server_as_the_service_user(nodes, deployed_api):
    unit = nodes[deployed_api.host].unit(f"{deployed_api.api}.service")
    assert (unit["ActiveState"], unit["UnitFileState"], unit["Type"], unit["User"]) == (
        "active", "enabled", "simple", deployed_api.user)
    assert f"/opt/openstack/{deployed_api.service}/bin/{deployed_api.server}" in unit["ExecStart"]


def test_server_listens_on_the_node_address_only(scenario, nodes, deployed_api):
    listening = nodes[deployed_api.host].listening()
    assert f"{scenario.address(deployed_api.host)}:{deployed_api.port} " in listening, listening
    assert f"127.0.0.1:{deployed_api.port}" not in listening, listening


def test_nothing_of_the_other_modes_is_there(nodes, deployed_api):
    node = nodes[deployed_api.host]
    assert not node.file(f"/etc/{deployed_api.user}/uwsgi/{deployed_api.api}.ini").exists
    assert not node.file(f"/opt/openstack/{deployed_api.service}/wsgi/{deployed_api.api}.wsgi").exists
