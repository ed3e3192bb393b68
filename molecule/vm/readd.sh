#!/usr/bin/env bash
# Remove a data NIC and add it again the way a driver reload or a hot-plug does: unbind its virtio
# device from virtio_net and bind it back through sysfs. The kernel gives the device new IRQs and
# default queue settings; systemd-networkd enslaves it to its bond again; the collection's udev rule
# must replay its steering. Waits (bounded) until the NIC is back in its bond and udev has settled.
# Usage: readd.sh IFACE
set -euo pipefail
iface=$1
net=/sys/class/net/$iface
device=$(basename "$(readlink -f "$net/device")")
master=$(basename "$(readlink -f "$net/master")")
driver=/sys/bus/virtio/drivers/virtio_net
echo "$iface: virtio device $device, in $master"
echo "$device" > "$driver/unbind"
for _ in $(seq 100); do [ -e "$net" ] || break; sleep 0.1; done
[ ! -e "$net" ] || { echo "$iface still there after unbind"; exit 1; }
echo "$device" > "$driver/bind"
for _ in $(seq 300); do
    [ -e "$net" ] && grep -qw "$iface" "/sys/class/net/$master/bonding/slaves" && break
    sleep 0.1
done
grep -qw "$iface" "/sys/class/net/$master/bonding/slaves" || { echo "$iface not back in $master"; exit 1; }
udevadm settle --timeout=30
echo "$iface back in $master: $(cat "/sys/class/net/$master/bonding/slaves")"
