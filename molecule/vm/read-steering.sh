#!/bin/sh
# Print, as JSON, the steering of one NIC as the kernel has it: NUMA nodes and their CPUs, each
# CPU's hyperthread siblings, the IRQ of every queue (from the virtio device's MSI-X names,
# virtioN-input.Q / virtioN-output.Q) with its affinity, each queue's rps_cpus, rps_flow_cnt and
# xps_cpus, and the RFS table size. tests/oracles/steering.py checks it against the study's rule.
set -eu
dev=$1
virtio=$(basename "$(readlink -f "/sys/class/net/$dev/device")")
printf '{"interface": "%s", "device": "%s", "numa": {' "$dev" "$virtio"
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
printf '}, "irqs": {'
first=1
grep -E " $virtio-(input|output)\.[0-9]+\$" /proc/interrupts | while read -r line; do
    irq=${line%%:*}; irq=$(echo "$irq" | tr -d ' ')
    name=${line##* }
    [ $first = 1 ] || printf ', '; first=0
    printf '"%s": {"irq": %s, "cpus": "%s"}' "$name" "$irq" "$(cat "/proc/irq/$irq/smp_affinity_list")"
done
printf '}, "rx": {'
first=1
for q in "/sys/class/net/$dev/queues/"rx-*; do
    [ $first = 1 ] || printf ', '; first=0
    printf '"%s": {"rps_cpus": "%s", "rps_flow_cnt": %s}' "${q##*/}" "$(cat "$q/rps_cpus")" "$(cat "$q/rps_flow_cnt")"
done
printf '}, "tx": {'
first=1
for q in "/sys/class/net/$dev/queues/"tx-*; do
    [ $first = 1 ] || printf ', '; first=0
    printf '"%s": {"xps_cpus": "%s"}' "${q##*/}" "$(cat "$q/xps_cpus" 2>/dev/null)"
done
printf '}, "rps_sock_flow_entries": %s}\n' "$(cat /proc/sys/net/core/rps_sock_flow_entries)"
