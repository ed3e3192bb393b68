#!/usr/bin/env bash
# Build the test bed's guest image locally: a Debian root made by debootstrap, Debian's own kernel
# (it has ipvlan, bonding, 8021q, dummy and fq as modules), a small initramfs, one ext4 image that serves both
# guests (their addresses and names come from their MACs and the kernel command line), and the
# SSH key the guests accept (made for the image, kept beside it).
# Cached outside the checkout, in $VM_CACHE (default ~/.cache/lowlat-k8snet/vm) under
# image-<hash of this script and its package list>: every checkout and CI run on the machine reuses
# it; a changed script builds a new one and removes the older ones.
# Usage: lab/vm/build-image.sh  (prints the image directory)
set -euo pipefail
cache=${VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lowlat-k8snet/vm}
suite=${VM_SUITE:-bookworm}
mirror=${VM_MIRROR:-}   # a Debian mirror URL; empty = debootstrap's default
# what the collection's roles and tests use inside the guests, preinstalled: the guests need no
# network access beyond the controller's SSH
packages=systemd,systemd-sysv,udev,dbus,openssh-server,python3,python3-apt,iproute2,iputils-ping,procps,kmod
packages=$packages,linux-image-amd64,initramfs-tools,ethtool,netbase,zstd,nftables,iptables,irqbalance
packages=$packages,containernetworking-plugins,util-linux
# installed after debootstrap, with /proc mounted (polkitd, which tuned pulls in, fails without it)
later=tuned
mkdir -p "$cache"
tag=$( (cat "$0"; echo "$suite $packages $later") | sha256sum | cut -c1-12)
image=$cache/image-$tag

if [ -f "$image/base.raw" ] && [ -f "$image/vmlinuz" ] && [ -f "$image/initrd.img" ] && [ -f "$image/id_ed25519" ]; then
    echo "$image"
    exit 0
fi
start=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/lowlat-vm-rootfs.XXXXXX")
root=$work/root
mkdir -p "$work/key"
ssh-keygen -q -t ed25519 -N '' -C lowlat-k8snet-vm -f "$work/key/id_ed25519"
trap 'umount "$root/proc" 2>/dev/null || true; rm -rf "$work"' EXIT
echo "building $image with debootstrap ($suite)" >&2
debootstrap --variant=minbase --include="$packages" "$suite" "$root" ${mirror:+"$mirror"} >&2
mount -t proc proc "$root/proc"
chroot "$root" apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get install -y -qq --no-install-recommends $later >&2

echo '/dev/vda / ext4 rw,relatime 0 1' > "$root/etc/fstab"
install -d -m 0700 "$root/root/.ssh"
install -m 0600 "$work/key/id_ed25519.pub" "$root/root/.ssh/authorized_keys"
# management NIC (user-mode networking, the controller's SSH): DHCP. No default route on the data
# segment (below): nothing leaves it.
cat > "$root/etc/systemd/network/10-mgmt.network" <<'NET'
[Match]
MACAddress=52:54:00:00:01:01 52:54:00:00:01:02
[Network]
DHCP=ipv4
NET
# the data NICs, eth1 (52:54:00:00:02:NN) and eth2 (52:54:00:00:03:NN), are the slaves of an
# active-backup bond (eth1 primary) with VLAN 100 on top, as a bare-metal Kubernetes node carries its
# traffic; the data address is on bond0.100 (by host name: 192.168.77.NN+10). Every link comes up at
# boot from these files, so a reboot and a NIC re-added (its .network enslaves it again) rebuild it.
for n in 1 2; do
    cat > "$root/etc/systemd/network/30-bond0-vm$n.netdev" <<NET
[Match]
Host=vm$n
[NetDev]
Name=bond0
Kind=bond
MACAddress=52:54:00:00:04:0$n
[Bond]
Mode=active-backup
MIIMonitorSec=100ms
NET
    cat > "$root/etc/systemd/network/32-vlan100-vm$n.network" <<NET
[Match]
Name=bond0.100
Host=vm$n
[Network]
Address=192.168.77.1$n/24
LinkLocalAddressing=no
NET
done
cat > "$root/etc/systemd/network/20-data-eth1.network" <<'NET'
[Match]
PermanentMACAddress=52:54:00:00:02:01 52:54:00:00:02:02
[Network]
Bond=bond0
PrimarySlave=true
LinkLocalAddressing=no
NET
cat > "$root/etc/systemd/network/21-data-eth2.network" <<'NET'
[Match]
PermanentMACAddress=52:54:00:00:03:01 52:54:00:00:03:02
[Network]
Bond=bond0
LinkLocalAddressing=no
NET
cat > "$root/etc/systemd/network/30-bond0.network" <<'NET'
[Match]
Name=bond0
[Network]
VLAN=bond0.100
LinkLocalAddressing=no
NET
cat > "$root/etc/systemd/network/31-vlan100.netdev" <<'NET'
[NetDev]
Name=bond0.100
Kind=vlan
[VLAN]
Id=100
NET
# the guests wait for nothing else at boot
chroot "$root" systemctl enable systemd-networkd ssh >/dev/null 2>&1
chroot "$root" systemctl mask systemd-networkd-wait-online.service getty@tty1.service >/dev/null 2>&1
# irqbalance is installed (the role must deal with it, as on a real host) but the tests decide when
# it runs
chroot "$root" systemctl disable irqbalance >/dev/null 2>&1 || true
echo 'UseDNS no' > "$root/etc/ssh/sshd_config.d/lowlat.conf"
: > "$root/etc/hostname"
# a small initramfs: the modules to find the root disk, nothing else (36 MB -> ~7 MB)
sed -i 's/^MODULES=.*/MODULES=list/' "$root/etc/initramfs-tools/initramfs.conf"
printf '%s\n' virtio_pci virtio_blk virtio_net ext4 > "$root/etc/initramfs-tools/modules"
chroot "$root" update-initramfs -u -k all >&2
umount "$root/proc"
rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"* "$root/var/cache/apt/"*.bin

rm -rf "$image.tmp" && mkdir -p "$image.tmp"
cp "$work/key/id_ed25519" "$work/key/id_ed25519.pub" "$image.tmp/"
kernels=("$root"/boot/vmlinuz-*)
initrds=("$root"/boot/initrd.img-*)
cp "${kernels[-1]}" "$image.tmp/vmlinuz"
cp "${initrds[-1]}" "$image.tmp/initrd.img"
mke2fs -q -t ext4 -d "$root" "$image.tmp/base.raw" 2G >&2
rm -rf "$image" && mv "$image.tmp" "$image"
# one image is kept: the older ones are 2 GB each
find "$cache" -mindepth 1 -maxdepth 1 -name 'image-*' ! -name "image-$tag" -exec rm -rf {} +
echo "image built in $(( $(date +%s) - start )) s" >&2
echo "$image"
