#!/usr/bin/env bash
# Start the test bed's two qemu guests (vm1, vm2) under software emulation: 8 vCPUs in 2 NUMA
# nodes each (4 per node: more CPUs than NIC queues, as on the study's hosts, so that the plan pins
# each queue's IRQ to the first CPU of a node and spreads RPS over the node's other CPUs; with as
# many CPUs as queues it rightly gives each queue its own CPU instead), Debian's kernel, a management NIC (user-mode networking, SSH forwarded to
# 127.0.0.1:2221/2222) and two data NICs (eth1, eth2; the image bonds them, VLAN 100 on top) with 4
# queue pairs and per-queue MSI-X vectors each, on a private bridge shared by the two guests only
# (no address, no route: no traffic leaves the machine). vm2 boots with CPUs isolated as a node
# that keeps CPUs for latency-critical pods does (VM_APPEND_2; VM_APPEND_1 for vm1, empty).
# Prints the time from start to SSH ready.  lab/vm/down.sh removes it all.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${VM_STATE:-$here/../../.build/vm}
bridge=${VM_BRIDGE:-lowlat-vmbr}
memory=${VM_MEMORY:-1024}
queues=${VM_QUEUES:-4}
per_node=${VM_CPUS_PER_NODE:-4}
timeout=${VM_BOOT_TIMEOUT:-600}
guests="1 2"
# isolcpus isolates CPU 3 (with the managed_irq and domain flags), nohz_full CPUs 3 and 7: CPU 7 is
# kept from housekeeping by nohz_full alone
append_1=${VM_APPEND_1-}
append_2=${VM_APPEND_2-isolcpus=managed_irq,domain,3 nohz_full=3,7}

image=$("$here/build-image.sh")
mkdir -p "$state"
# the image's key, where inventories/vm looks for it (with its public half: ssh offers the public
# key found beside the private one, and a stale one from an older image would be refused)
install -m 0600 "$image/id_ed25519" "$state/id_ed25519"
install -m 0644 "$image/id_ed25519.pub" "$state/id_ed25519.pub"
key=$state/id_ed25519
ssh_to() {  # ssh_to N COMMAND...
    local n=$1; shift
    ssh -q -i "$key" -p "222$n" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -o ConnectTimeout=5 -o BatchMode=yes root@127.0.0.1 "$@"
}

ip link show "$bridge" >/dev/null 2>&1 || ip link add "$bridge" type bridge
ip link set "$bridge" up
start=$(date +%s)
for n in $guests; do
    name=vm$n
    if [ -f "$state/$name.pid" ] && kill -0 "$(cat "$state/$name.pid")" 2>/dev/null; then
        continue
    fi
    tap=lowlat-$name
    for t in "$tap" "$tap-b"; do
        ip link show "$t" >/dev/null 2>&1 || ip tuntap add "$t" mode tap multi_queue
        ip link set "$t" master "$bridge" up
    done
    if [ "$n" = 1 ]; then extra=$append_1; else extra=$append_2; fi
    rm -f "$state/$name.qcow2"
    qemu-img create -q -f qcow2 -b "$image/base.raw" -F raw "$state/$name.qcow2"
    half=$((memory / 2))
    # tcg, one thread per guest: nested KVM does not boot here, and several vCPU threads per
    # guest fight over the machine's cores; tb-size caps the translation cache
    qemu-system-x86_64 -name "$name" -machine q35 -accel tcg,thread=single,tb-size=256 -cpu max \
        -m "$memory" -smp $((2 * per_node)),sockets=2,cores="$per_node",threads=1 \
        -object memory-backend-ram,id=m0,size="${half}M" -object memory-backend-ram,id=m1,size="$((memory - half))M" \
        -numa node,nodeid=0,cpus=0-$((per_node - 1)),memdev=m0 \
        -numa node,nodeid=1,cpus="$per_node-$((2 * per_node - 1))",memdev=m1 \
        -kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
        -append "root=/dev/vda rw console=ttyS0 net.ifnames=0 quiet mitigations=off systemd.hostname=$name $extra" \
        -drive file="$state/$name.qcow2",if=virtio,format=qcow2,cache=unsafe \
        -netdev user,id=mgmt,hostfwd="tcp:127.0.0.1:222$n-:22" \
        -device virtio-net-pci,netdev=mgmt,mac="52:54:00:00:01:0$n" \
        -netdev tap,id=data,ifname="$tap",script=no,downscript=no,queues="$queues",vhost=off \
        -device virtio-net-pci,netdev=data,mac="52:54:00:00:02:0$n",mq=on,vectors=$((2 * queues + 2)) \
        -netdev "tap,id=data2,ifname=$tap-b,script=no,downscript=no,queues=$queues,vhost=off" \
        -device virtio-net-pci,netdev=data2,mac="52:54:00:00:03:0$n",mq=on,vectors=$((2 * queues + 2)) \
        -display none -serial file:"$state/$name.console" -daemonize -pidfile "$state/$name.pid"
done
for n in $guests; do
    until ssh_to "$n" true 2>/dev/null; do
        if [ $(( $(date +%s) - start )) -gt "$timeout" ]; then
            echo "vm$n: no SSH after $timeout s; console: $state/vm$n.console" >&2
            tail -20 "$state/vm$n.console" >&2 || true
            exit 1
        fi
        sleep 2
    done
done
echo "vms up in $(( $(date +%s) - start )) s (boot to SSH ready): vm1 127.0.0.1:2221, vm2 127.0.0.1:2222, data on $bridge"
