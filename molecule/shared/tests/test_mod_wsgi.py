"""Each API served by Apache mod_wsgi: its daemon processes, no uWSGI, the generated script."""
import json

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


def test_a_chunked_request_body_reaches_the_application(scenario, api):
    """A body sent with Transfer-Encoding: chunked (no Content-Length), as glanceclient and nova
    upload images: mod_wsgi answers 411 unless WSGIChunkedRequest is on. keystone's token
    request, chunked, issues a token."""
    if "keystone" not in scenario.services() or scenario.mode("keystone") != "mod_wsgi":
        pytest.skip("keystone is not served by mod_wsgi here")
    body = json.dumps({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"id": "default"}, "password": scenario.var("keystone_admin_password")}}}}}).encode()
    issued = api.request("POST", f"{scenario.base_url()}/identity/v3/auth/tokens", chunked=True,
                         body=[body[:40], body[40:]], headers={"Content-Type": "application/json"})
    assert issued.status == 201, (issued.status, issued.body[:300])
