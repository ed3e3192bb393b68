# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NIC queue IRQs from /proc/interrupts and sysfs values (pure parsing, no I/O)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Trigger types printed between the chip name and the action names.
_TYPE_RE = re.compile(r'(^|-)(edge|level|fasteoi|simple|percpu|percpu-devid|eoi|none)$', re.I)


class NicError(ValueError):
    """Raised for interrupt or sysfs text that cannot be understood."""


def parse_interrupts(text):
    """Parse /proc/interrupts into a list of {irq, counts, chip, actions}.

    Only numbered IRQs are returned (NMI, LOC and the other per-CPU
    counters are not IRQs that can be pinned).  ``actions`` are the handler
    names, e.g. ``['eth0-TxRx-0']`` or, for a shared line, several.
    """
    lines = text.splitlines()
    if not lines:
        return []
    ncpu = len(lines[0].split())
    irqs = []
    for line in lines[1:]:
        head, sep, rest = line.partition(':')
        head = head.strip()
        if not sep or not head.isdigit():
            continue
        fields = rest.split()
        counts = []
        for field in fields[:ncpu]:
            if not field.isdigit():
                break
            counts.append(int(field))
        tail = fields[len(counts):]
        cut = None
        for idx in range(len(tail) - 1, -1, -1):
            if _TYPE_RE.search(tail[idx]):
                cut = idx
                break
        if cut is None:
            chip_fields, action_text = tail[:-1], ' '.join(tail[-1:])
        else:
            chip_fields, action_text = tail[:cut + 1], ' '.join(tail[cut + 1:])
        actions = [name.strip() for name in action_text.split(',') if name.strip()]
        irqs.append({
            'irq': int(head),
            'counts': counts,
            'chip': ' '.join(chip_fields),
            'actions': actions,
        })
    return irqs


def irqs_by_name(interrupts):
    """parse_interrupts' entries -> {name: [IRQ numbers]}, the name being what irq_affinity
    records: the handler names joined by ',' (a shared line is "acpi,i801_smbus")."""
    by_name = {}
    for entry in interrupts:
        by_name.setdefault(','.join(entry['actions']), []).append(entry['irq'])
    return by_name


def find_irq(by_name, name, recorded):
    """The IRQ recorded as (name, number), today (restore, and the boot-time replay).

    IRQ numbers can change across reboots, so an IRQ recorded with a name is found by it. When
    several IRQs carry that name (two "ACPI:Ged" lines), the recorded number is kept if it is one
    of them; when none does, or it is ambiguous, None (the old number may be another device's
    now). Only an IRQ recorded without a name is taken by its number.
    """
    if not name:
        return recorded
    candidates = by_name.get(name, [])
    if len(candidates) == 1:
        return candidates[0]
    return recorded if recorded in candidates else None


def _queue_patterns(interface, devices):
    """Action-name patterns of queue IRQs, most specific first; group 1 is the queue index."""
    patterns = []
    for dev in devices:
        name = re.escape(dev)
        patterns.append(('virtio', re.compile(r'^%s-(?:input|output)\.(\d+)$' % name)))
        # mlx5: mlx5_comp3@pci:0000:3b:00.0 (no netdev name in the action)
        patterns.append(('mlx5', re.compile(r'^mlx5_comp(\d+)@pci:%s$' % name)))
    name = re.escape(interface)
    # Intel igb/ixgbe/ixgbevf/i40e/iavf/ice: eth0-TxRx-3, i40e-eth0-TxRx-3, ice-eth0-TxRx-3,
    # split vectors eth0-rx-3 / eth0-tx-3; then sfc/ena style eth0-3.
    patterns.append(('intel', re.compile(r'^(?:[a-z0-9]+-)?%s-(?:TxRx|txrx|rx|tx|fp)-(\d+)$' % name)))
    patterns.append(('indexed', re.compile(r'^%s-(\d+)$' % name)))
    return patterns


def queue_irqs(interface, interrupts, device_name=None, pci_address=None, msi_irqs=None):
    """Find the IRQs of a NIC's queues.

    ``interrupts``: the parsed /proc/interrupts (``parse_interrupts``).
    ``device_name``: basename of /sys/class/net/IF/device (``virtio2`` for
    virtio; the PCI address for real PCI NICs).  ``pci_address``: the PCI
    address, for mlx5 actions.  ``msi_irqs``: IRQ numbers listed in
    device/msi_irqs, used when no action name identifies the queues.

    Returns ``{'driver_style', 'queues': [[irq, ...] per queue vector],
    'irqs': [all queue IRQs, queue order], 'other_irqs': [...]}``.
    """
    devices = [dev for dev in (device_name, pci_address) if dev]
    found = {}
    style = None
    for kind, pattern in _queue_patterns(interface, list(dict.fromkeys(devices))):
        for entry in interrupts:
            for action in entry['actions']:
                match = pattern.match(action)
                if match:
                    found.setdefault(int(match.group(1)), set()).add(entry['irq'])
        if found:
            style = kind
            break

    msi = sorted(set(msi_irqs or []))
    if found:
        queues = [sorted(found[idx]) for idx in sorted(found)]
        queue_set = set(irq for irqs in queues for irq in irqs)
        other = [irq for irq in msi if irq not in queue_set]
        # Also the device's own non-queue vectors (virtio config, mlx5 async, Intel mailbox).
        for entry in interrupts:
            for action in entry['actions']:
                if entry['irq'] in queue_set or entry['irq'] in other:
                    continue
                if action == interface or (device_name and action.startswith(device_name + '-')) \
                        or (pci_address and pci_address in action):
                    other.append(entry['irq'])
        return {'driver_style': style, 'queues': queues,
                'irqs': [irq for irqs in queues for irq in irqs], 'other_irqs': sorted(other)}
    if msi:
        # Unknown naming: every MSI vector of the device, in order, one per queue.
        return {'driver_style': 'msi', 'queues': [[irq] for irq in msi], 'irqs': msi,
                'other_irqs': []}
    return {'driver_style': 'none', 'queues': [], 'irqs': [], 'other_irqs': []}


def parse_numa_node(text):
    """NUMA node from device/numa_node; None when the kernel does not know (-1) or no file."""
    if text is None:
        return None
    text = text.strip()
    if text in ('', '-1'):
        return None
    try:
        node = int(text)
    except ValueError:
        raise NicError("numa_node %r is not a number" % text)
    return node if node >= 0 else None


def queue_counts(queue_names):
    """Count rx-N and tx-N entries of /sys/class/net/IF/queues."""
    rx = sum(1 for name in queue_names if re.match(r'^rx-\d+$', name))
    tx = sum(1 for name in queue_names if re.match(r'^tx-\d+$', name))
    return rx, tx
