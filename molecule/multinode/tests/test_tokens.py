"""A token issued by one keystone node validates on the other and through HAProxy, which sees
every keystone node UP. (The shared keystone checks run through HAProxy: scenario.base_url().)"""


def test_token_of_one_node_validates_on_the_others_and_through_haproxy(scenario, api):
    first, *others = scenario.hosts("keystone")
    token = api.token(scenario.node_url(first))
    # HAProxy twice: both servers
    for base in [scenario.node_url(host) for host in others] + [scenario.lb_url()] * 2:
        validated = api.validate_token(base, token)
        assert validated.status == 200, base
        assert validated.json()["token"]["user"]["name"] == "admin", base


def test_haproxy_sees_every_keystone_server_up(scenario, nodes):
    lb = nodes[scenario.hosts("haproxy")[0]]
    stat = lb.check_output("echo 'show stat' | socat stdio /run/haproxy/admin.sock").splitlines()
    status = {line.split(",")[1]: line.split(",")[17] for line in stat if line.startswith("keystone-api,")}
    assert {host: status.get(host) for host in scenario.hosts("keystone")} == {
        host: "UP" for host in scenario.hosts("keystone")}, stat
