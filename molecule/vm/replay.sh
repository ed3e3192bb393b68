#!/usr/bin/env bash
# On a tuned guest: undo one queue's RPS and one IRQ's affinity, then let the boot-time unit
# (its ExecStart is what runs at boot) and the udev rule (an "add" event for the interface) put
# them back from the configuration directory the inventory chose. Prints what it saw; exits 1 when
# a value did not come back.  Usage: replay.sh IFACE CONFIG_DIR STATE_DIR
set -uo pipefail
iface=$1 config=$2 state=$3
rps=/sys/class/net/$iface/queues/rx-1/rps_cpus
status=0
check() {  # check WHAT WANTED GOT
    if [ "$2" = "$3" ]; then echo "ok: $1 ($3)"; else echo "NOT REPLAYED: $1: $3, wanted $2"; status=1; fi
}
for dir in /etc/lowlat-k8snet /var/lib/lowlat-k8snet; do
    [ -e "$dir" ] && { echo "the default directory $dir exists, though the inventory moved it"; status=1; }
done
if ! ls "$config"/persist/*.json >/dev/null || [ ! -f "$state/originals.json" ]; then
    echo "nothing persisted in $config/persist or no record in $state"; status=1
fi

# the first IRQ of the interface's first input queue, by its name in /proc/interrupts
device=$(basename "$(readlink -f "/sys/class/net/$iface/device")")
irq=$(awk -v name="$device-input.0" '$NF == name {sub(":", "", $1); print $1; exit}' /proc/interrupts)
[ -n "$irq" ] || { echo "no IRQ named $device-input.0"; exit 1; }
want_rps=$(cat "$rps") want_irq=$(cat "/proc/irq/$irq/smp_affinity_list")
last_cpu=$(( $(nproc --all) - 1 ))
[ "$want_irq" != "$last_cpu" ] || last_cpu=$((last_cpu - 1))

echo 0 > "$rps"; echo "$last_cpu" > "/proc/irq/$irq/smp_affinity_list"
systemctl restart lowlat-k8snet-apply.service
check "rx-1 rps_cpus after the boot-time unit" "$want_rps" "$(cat "$rps")"
check "IRQ $irq ($device-input.0) after the boot-time unit" "$want_irq" "$(cat "/proc/irq/$irq/smp_affinity_list")"

echo 0 > "$rps"
udevadm trigger --action=add --subsystem-match=net --sysname-match="$iface"
udevadm settle --timeout=30
check "rx-1 rps_cpus after an add event for $iface (udev rule)" "$want_rps" "$(cat "$rps")"
exit $status
