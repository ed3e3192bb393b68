#!/usr/bin/env bash
# Stop the test bed's guests and remove their disks' overlays, taps and bridge (the cached image
# stays, in ~/.cache/lowlat-k8snet/vm: remove it to rebuild).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${VM_STATE:-$here/../../.build/vm}
bridge=${VM_BRIDGE:-lowlat-vmbr}
for n in 1 2; do
    pidfile=$state/vm$n.pid
    if [ -f "$pidfile" ]; then
        pid=$(cat "$pidfile")
        kill "$pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null
        rm -f "$pidfile"
    fi
    rm -f "$state/vm$n.qcow2"
    ip link del "lowlat-vm$n" 2>/dev/null
    ip link del "lowlat-vm$n-b" 2>/dev/null
done
ip link del "$bridge" 2>/dev/null
echo "vms down"
exit 0
