#!/usr/bin/env bash
# Remove the lab's containers and network, then restore the host-global kernel values recorded
# when it came up.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${LAB_STATE:-$here/../.build/lab}
network=${LAB_NETWORK:-lowlat-lab}
status=0
for name in $(podman ps -a --filter label=lowlat.k8snet.lab=1 --format '{{.Names}}'); do
    # stopping tuned first lets it roll back what it applied
    podman exec "$name" systemctl stop tuned >/dev/null 2>&1 || true
    podman rm -f -t 5 "$name" >/dev/null || status=1
done
podman network exists "$network" && { podman network rm "$network" >/dev/null || status=1; }
if [ -f "$state/hoststate.json" ]; then
    if python3 "$here/hoststate.py" restore "$state/hoststate.json"; then
        rm -f "$state/hoststate.json"
    else
        status=1
    fi
fi
rm -f "$state/hoststate-up.json"
exit $status
