#!/usr/bin/env bash
# Wait until systemd in each named lab container has finished booting (running or degraded).
# Usage: lab/wait-booted.sh CONTAINER... ; gives up after LAB_BOOT_TIMEOUT seconds (90).
set -uo pipefail
timeout=${LAB_BOOT_TIMEOUT:-90}
start=$(date +%s)
for name in "$@"; do
    while :; do
        state=$(podman exec "$name" systemctl is-system-running 2>/dev/null)
        case "$state" in running|degraded) break ;; esac
        if [ $(( $(date +%s) - start )) -gt "$timeout" ]; then
            echo "$name did not finish booting in $timeout s (state: ${state:-no answer})" >&2
            exit 1
        fi
        sleep 1
    done
done
echo "booted in $(( $(date +%s) - start )) s: $*"
