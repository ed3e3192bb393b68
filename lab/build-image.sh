#!/usr/bin/env bash
# Build the lab's Debian image locally (no registry is needed): debootstrap + podman import.
# The image is tagged with a hash of this script, so a changed package list builds a new one
# and an unchanged one is reused.  Usage: lab/build-image.sh  (prints the image name)
set -euo pipefail
suite=${LAB_SUITE:-bookworm}
mirror=${LAB_MIRROR:-}   # a Debian mirror URL; empty = debootstrap's default
# openssh-server: Ansible reaches the lab hosts over SSH, as it reaches real ones
packages=python3,python3-apt,iproute2,iputils-ping,procps,iptables,nftables,systemd,systemd-sysv,dbus,ethtool,kmod,udev,ca-certificates
packages=$packages,openssh-server
tag=$( (cat "$0"; echo "$suite $packages") | sha256sum | cut -c1-12)
image=localhost/lowlat-lab:$tag

if podman image exists "$image"; then
    echo "$image"
    exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/lowlat-lab-rootfs.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "building $image with debootstrap ($suite)" >&2
debootstrap --variant=minbase --include="$packages" "$suite" "$work/root" ${mirror:+"$mirror"} >&2
# a container needs no getty, no udev trigger of the host's devices, no fstab mounts
chroot "$work/root" systemctl mask getty@tty1.service systemd-udev-trigger.service \
    systemd-remount-fs.service console-getty.service >/dev/null 2>&1 || true
# sshd: keys only (lab/up.sh copies the lab's public key in as root's authorized_keys), no DNS lookups
printf 'PasswordAuthentication no\nUseDNS no\n' > "$work/root/etc/ssh/sshd_config.d/lowlat-lab.conf"
rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"* "$work/root/var/cache/apt/"*.bin
tar -C "$work/root" -c . | podman import --change 'CMD ["/sbin/init"]' \
    --change 'STOPSIGNAL SIGRTMIN+3' - "$image" >&2
echo "$image"
