#!/usr/bin/env bash
# One command: set up this host, start the local target container (osapi-demo), deploy
# MariaDB + memcached and keystone + placement + glance from PyPI under uWSGI behind Apache
# into it, registered in keystone's catalog; print working openstack client commands.
#   scripts/demo.sh            deploy (again: the playbook is idempotent)
#   scripts/demo.sh --fresh    remove the demo container first
#   scripts/demo.sh --destroy  remove the demo container and stop
# Extra arguments after `--` go to ansible-playbook (e.g. -- -e osapi_wsgi_mode=mod_wsgi).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
name=osapi-demo
address=127.0.0.10
fresh=false; destroy=false
while [ $# -gt 0 ]; do
  case "$1" in
    --fresh) fresh=true ;;
    --destroy) destroy=true ;;
    --) shift; break ;;
    *) echo "usage: $0 [--fresh|--destroy] [-- ansible-playbook args]" >&2; exit 2 ;;
  esac
  shift
done

eval "$("$repo/scripts/setup.sh")"
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0

ours() { [ "$(podman container inspect -f '{{index .Config.Labels "osapi.wsgi"}}' "$name" 2>/dev/null)" = demo ]; }
if podman container exists "$name" && ! ours; then
  echo "A container named $name exists but was not made by this script; not touching it." >&2; exit 1
fi
if { $fresh || $destroy; } && podman container exists "$name"; then
  podman rm -f -t 10 "$name" >/dev/null; echo "removed $name"
fi
$destroy && exit 0

if ! podman container exists "$name"; then
  # the test scenarios' container settings (molecule/shared/create.yml), with the demo's label
  # and the pip cache
  platform=$(python3 -c 'import json, sys
print(json.dumps({"molecule_yml": {"platforms": [{"name": sys.argv[1], "labels": {"osapi.wsgi": "demo"},
                                                  "volumes": [sys.argv[2] + "/pip:/root/.cache/pip"]}]}}))' \
    "$name" "$OSAPI_CACHE")
  ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false \
    ansible-playbook molecule/shared/create.yml -e "$platform" >/dev/null
elif [ "$(podman container inspect -f '{{.State.Running}}' "$name")" != true ]; then
  podman start "$name" >/dev/null
fi
podman exec "$name" systemctl is-system-running --wait >/dev/null || true

# Passwords are generated once by the playbook (osapi.wsgi.secret) into this directory
# (0700, one 0600 file each): nothing secret goes on a command line.
demo="$repo/.cache/demo"; secrets="$demo/secrets"
mkdir -p "$demo"; chmod 0700 "$demo"
t0=$SECONDS
ansible-playbook -i playbooks/inventory/demo.yml playbooks/deploy.yml \
  -e "osapi_wsgi_secrets_dir=$secrets" "$@"
echo "deployed in $((SECONDS - t0))s"
# what the deploy recorded on the target: each service's series and release (docs/releases.md)
releases=$(podman exec "$name" python3 -c 'import json
registry = json.load(open("/etc/ansible/facts.d/osapi_wsgi.fact"))
print(", ".join("%s %s (series %s, %d packages)" % (name, entry.get("version"), entry.get("series"), len(entry.get("installed", [])))
                for name, entry in sorted(registry.items())))')

cat <<MSG

Deployed into the container $name (host network, Apache on $address:80):
  keystone   http://$address/identity/v3
  placement  http://$address/placement/
  glance     http://$address/image/
  MariaDB and memcached on $address; passwords in $secrets (0600 files)
  releases: $releases

Use them with the openstack client (the deploy wrote the admin's clouds.yaml and openrc, 0600,
into $secrets; \`source $secrets/openrc\` works too):
  export PATH=$OSAPI_CLIENTS:\$PATH OS_CLIENT_CONFIG_FILE=$secrets/clouds.yaml OS_CLOUD=osapi
  openstack token issue
  openstack catalog list
  openstack resource provider list
  head -c 1048576 /dev/urandom > /tmp/demo.img
  openstack image create --disk-format raw --container-format bare --file /tmp/demo.img demo-image
  openstack image save --file /tmp/demo.out demo-image && cmp /tmp/demo.img /tmp/demo.out && echo same
  openstack image delete demo-image

Inside the target:  podman exec -it $name bash   (systemctl status keystone-api placement-api glance-api)
Remove it:          scripts/demo.sh --destroy
MSG
