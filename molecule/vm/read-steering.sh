#!/bin/sh
# Print, as JSON, the steering of the physical NICs under an interface as the kernel has them: NUMA
# nodes and their CPUs, each CPU's hyperthread siblings, the isolated and nohz_full CPUs, the RFS
# table size, and per physical NIC (a bond's slaves in the bond's order, through a VLAN's lower
# link; the interface itself when it has a device) the IRQ of every queue (from the virtio device's
# MSI-X names, virtioN-input.Q / virtioN-output.Q) with its affinity, each queue's rps_cpus,
# rps_flow_cnt and xps_cpus. tests/oracles/steering.py checks it against the study's rule.
# Usage: read-steering.sh IFACE (bond0.100, eth1, ...)
set -eu
net=/sys/class/net
physical() {  # the physical NICs under $1, in order
    if [ -e "$net/$1/device" ]; then
        echo "$1"
    elif [ -f "$net/$1/bonding/slaves" ]; then
        slaves=$(cat "$net/$1/bonding/slaves")
        for slave in $slaves; do physical "$slave"; done
    else
        for link in "$net/$1"/lower_*; do
            [ -e "$link" ] && physical "${link##*/lower_}"
        done
    fi
}
nic() {  # the JSON of one physical NIC
    dev=$1
    virtio=$(basename "$(readlink -f "$net/$dev/device")")
    printf '{"interface": "%s", "device": "%s", "irqs": {' "$dev" "$virtio"
    first=1
    grep -E " $virtio-(input|output)\.[0-9]+\$" /proc/interrupts | while read -r line; do
        irq=${line%%:*}; irq=$(echo "$irq" | tr -d ' ')
        name=${line##* }
        [ $first = 1 ] || printf ', '; first=0
        printf '"%s": {"irq": %s, "cpus": "%s"}' "$name" "$irq" "$(cat "/proc/irq/$irq/smp_affinity_list")"
    done
    printf '}, "rx": {'
    first=1
    for q in "$net/$dev/queues/"rx-*; do
        [ $first = 1 ] || printf ', '; first=0
        printf '"%s": {"rps_cpus": "%s", "rps_flow_cnt": %s}' "${q##*/}" "$(cat "$q/rps_cpus")" "$(cat "$q/rps_flow_cnt")"
    done
    printf '}, "tx": {'
    first=1
    for q in "$net/$dev/queues/"tx-*; do
        [ $first = 1 ] || printf ', '; first=0
        printf '"%s": {"xps_cpus": "%s"}' "${q##*/}" "$(cat "$q/xps_cpus" 2>/dev/null)"
    done
    printf '}}'
}
nics=$(physical "$1")
[ -n "$nics" ] || { echo "no physical NIC under $1" >&2; exit 1; }
printf '{"interface": "%s", "numa": {' "$1"
first=1
for node in /sys/devices/system/node/node[0-9]*; do
    [ $first = 1 ] || printf ', '; first=0
    printf '"%s": "%s"' "${node##*node}" "$(cat "$node/cpulist")"
done
printf '}, "siblings": {'
first=1
for cpu in /sys/devices/system/cpu/cpu[0-9]*; do
    [ -f "$cpu/topology/thread_siblings_list" ] || continue
    [ $first = 1 ] || printf ', '; first=0
    printf '"%s": "%s"' "${cpu##*cpu}" "$(cat "$cpu/topology/thread_siblings_list")"
done
# "(null)" (with leading blanks) when the kernel has no nohz_full CPUs
nohz=$(tr -d ' \n' < /sys/devices/system/cpu/nohz_full 2>/dev/null || true)
[ "$nohz" != "(null)" ] || nohz=
printf '}, "isolated": "%s", "nohz_full": "%s", "cmdline": "%s", "nics": [' \
    "$(cat /sys/devices/system/cpu/isolated)" "$nohz" "$(cat /proc/cmdline)"
first=1
for dev in $nics; do
    [ $first = 1 ] || printf ', '; first=0
    nic "$dev"
done
printf '], "rps_sock_flow_entries": %s}\n' "$(cat /proc/sys/net/core/rps_sock_flow_entries)"
