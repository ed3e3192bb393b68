#!/usr/bin/env bash
# Start the local lab: two privileged systemd containers (node1, node2) on a podman network of
# their own, from the locally built Debian image, reached over SSH (10.89.7.11 and .12, the key in
# .build/lab/id_ed25519).  Records the machine's host-global kernel values
# first (the containers share its kernel; down.sh restores them), and again once the containers
# have booted (systemd in each raises fs.file-max and fs.nr_open): hoststate-up.json is what
# reset.yml must bring the machine back to (molecule/default/destroy.yml compares).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${LAB_STATE:-$here/../.build/lab}
network=${LAB_NETWORK:-lowlat-lab}
subnet=${LAB_SUBNET:-10.89.7.0/24}
prefix=${subnet%.*}
nodes=${LAB_NODES:-node1 node2}
mkdir -p "$state"

image=$("$here/build-image.sh")
# the key Ansible logs in with (inventories/lab), root's authorized_keys in each node
[ -f "$state/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C lowlat-k8snet-lab -f "$state/id_ed25519"
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
# the key is copied in, not bind-mounted: sshd refuses an authorized_keys file that root does not
# own, which is what a checkout on a squashing or id-mapped file system would give it
for name in $names; do
    podman exec -i "$name" sh -c 'umask 077 && mkdir -p /root/.ssh && cat > /root/.ssh/authorized_keys' \
        < "$state/id_ed25519.pub"
done
if [ ! -f "$state/hoststate-up.json" ]; then
    python3 "$here/hoststate.py" save "$state/hoststate-up.json" >/dev/null
fi
echo "lab up in $(( $(date +%s) - start )) s: $(for n in $nodes; do echo -n "lowlat-$n "; done)on $network ($subnet)"
