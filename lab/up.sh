#!/usr/bin/env bash
# Start the local lab: two privileged systemd containers (node1, node2) on a podman network of
# their own, from the locally built Debian image.  Records the machine's host-global kernel values
# first (the containers share its kernel); down.sh restores them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${LAB_STATE:-$here/../.build/lab}
network=${LAB_NETWORK:-lowlat-lab}
subnet=${LAB_SUBNET:-10.89.7.0/24}
prefix=${subnet%.*}
nodes=${LAB_NODES:-node1 node2}
mkdir -p "$state"

image=$("$here/build-image.sh")
if [ ! -f "$state/hoststate.json" ]; then
    python3 "$here/hoststate.py" save "$state/hoststate.json"
fi
podman network exists "$network" || podman network create --subnet "$subnet" "$network" >/dev/null

nofile=$(ulimit -Hn); [ "$nofile" = unlimited ] && nofile=1048576; [ "$nofile" -gt 1048576 ] && nofile=1048576
i=10
for node in $nodes; do
    i=$((i + 1))
    name=lowlat-$node
    if podman container exists "$name"; then
        podman start "$name" >/dev/null
        continue
    fi
    # runc: crun fails on this cgroup setup; explicit ulimits: the session cannot raise its own
    podman run -d --name "$name" --hostname "$node" --network "$network" --ip "$prefix.$i" \
        --privileged --runtime=runc --systemd=always \
        --ulimit "nofile=$nofile:$nofile" --ulimit nproc=32768:32768 \
        --label lowlat.k8snet.lab=1 "$image" >/dev/null
done
start=$(date +%s)
names=$(for node in $nodes; do echo "lowlat-$node"; done)
# shellcheck disable=SC2086
"$here/wait-booted.sh" $names >/dev/null
echo "lab up in $(( $(date +%s) - start )) s: $(for n in $nodes; do echo -n "lowlat-$n "; done)on $network ($subnet)"
