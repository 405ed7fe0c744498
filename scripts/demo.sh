#!/usr/bin/env bash
# One command: set up this host, start the local target container (osapi-demo), deploy
# keystone + placement from PyPI under uWSGI behind Apache into it, print how to reach them.
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
  podman run -d --name "$name" --label osapi.wsgi=demo --hostname "$name" \
    --network host --systemd always --cap-add SYS_ADMIN \
    --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 \
    -v "$OSAPI_CACHE/pip:/root/.cache/pip" -v "$OSAPI_CACHE/apt/$name:/var/cache/apt/archives" \
    localhost/osapi-wsgi-debian:bookworm /lib/systemd/systemd >/dev/null
elif [ "$(podman container inspect -f '{{.State.Running}}' "$name")" != true ]; then
  podman start "$name" >/dev/null
fi
podman exec "$name" systemctl is-system-running --wait >/dev/null || true

pwfile="$repo/.cache/demo-admin-password"
[ -s "$pwfile" ] || (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$pwfile")
t0=$SECONDS
ansible-playbook -i playbooks/inventory/demo.yml playbooks/deploy.yml \
  -e "keystone_admin_password=$(cat "$pwfile")" "$@"
echo "deployed in $((SECONDS - t0))s"

cat <<MSG

keystone:  http://$address/identity/v3      (GET http://$address/identity/ lists versions)
placement: http://$address/placement/
admin password: $pwfile

Get a token:
  curl -si http://$address/identity/v3/auth/tokens -H 'Content-Type: application/json' \\
    -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"id":"default"},"password":"'"\$(cat $pwfile)"'"}}},"scope":{"project":{"name":"admin","domain":{"id":"default"}}}}}' \\
    | grep -i '^x-subject-token'
Inside the target:  podman exec -it $name bash   (systemctl status keystone-api placement-api)
Remove it:          scripts/demo.sh --destroy
MSG
