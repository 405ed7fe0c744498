"""The keystone nodes share the primary's fernet and credential keys, keystone's alone, and only
the primary (the first host of the keystone group) ran the database and key setup commands."""
import pytest

KEY_DIRS = ["/etc/keystone/fernet-keys", "/etc/keystone/credential-keys"]


def key_files(node) -> dict:
    """path -> (owner, mode, sha256) of every key file."""
    found = {}
    for line in node.check_output("find %s %s -type f -printf '%%u %%m %%p\\n'", *KEY_DIRS).splitlines():
        owner, mode, path = line.split(" ", 2)
        found[path] = (owner, mode, node.file(path).sha256sum)
    return found


@pytest.fixture(scope="module")
def primary(scenario):
    return scenario.hosts("keystone")[0]


def test_keys_are_keystone_s_alone(nodes, api_host):
    files = key_files(nodes[api_host])
    assert len(files) >= 3, files
    assert {(owner, mode) for owner, mode, _sum in files.values()} == {("keystone", "600")}, files
    for path in KEY_DIRS:
        directory = nodes[api_host].file(path)
        assert (directory.mode, directory.user) == (0o700, "keystone"), path


def test_every_node_holds_the_primary_s_keys(nodes, api_host, primary):
    checksums = {path: entry[2] for path, entry in key_files(nodes[api_host]).items()}
    assert checksums == {path: entry[2] for path, entry in key_files(nodes[primary]).items()}


def test_only_the_primary_ran_db_sync_and_bootstrap(nodes, api_host, primary):
    # a node that never ran a stamped command has no stamp directory at all
    stamps = nodes[api_host].run(
        "find /var/lib/keystone/.osapi -type f '(' -name 'db_sync.*' -o -name 'bootstrap.*' ')' 2>/dev/null"
    ).stdout.splitlines()
    if api_host == primary:
        assert len(stamps) >= 2, stamps
    else:
        assert stamps == []


def test_only_the_primary_rotates_and_it_knows_what_the_others_hold(nodes, api_host, primary):
    timer = nodes[api_host].run("systemctl is-active keystone-key-rotation.timer").stdout.strip()
    assert timer == ("active" if api_host == primary else "inactive")
    if api_host != primary:
        # the deploy's record of this node's keys, which the primary's next rotation waits for
        record = nodes[primary].file("/var/lib/keystone/key-rotation/" + api_host)
        assert (record.user, record.mode) == ("root", 0o600)
        newest = max(int(name) for name in nodes[api_host].check_output("ls /etc/keystone/fernet-keys").split())
        assert record.content_string.startswith("fernet=%d " % newest)


def test_the_push_key_may_only_write_keystone_s_keys(nodes, api_host, primary):
    key = nodes[primary].file("/var/lib/keystone/key-rotation/push_ed25519")
    assert (key.user, key.mode) == ("root", 0o600)
    if api_host == primary:
        return
    public = nodes[primary].file("/var/lib/keystone/key-rotation/push_ed25519.pub").content_string.split()[1]
    lines = [line for line in nodes[api_host].file("/root/.ssh/authorized_keys").content_string.splitlines()
             if public in line]
    assert len(lines) == 1, lines
    options = lines[0].split(" ssh-ed25519 ")[0]
    assert options.startswith("restrict,from=")
    assert 'command="python3 /usr/local/lib/osapi-wsgi/sync-dirs.py write --group keystone' in options
    assert "/etc/keystone/fernet-keys=keystone /etc/keystone/credential-keys=keystone" in options
    # the primary trusts this node's host key and no other for it
    known = nodes[primary].file("/var/lib/keystone/key-rotation/known_hosts." + api_host).content_string.split()
    assert known[2] == nodes[api_host].file("/etc/ssh/ssh_host_ed25519_key.pub").content_string.split()[1]
