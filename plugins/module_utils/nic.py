# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NIC queue IRQs from /proc/interrupts and sysfs values: pure parsing, and ``sysfs_nic``, the one
reader of a NIC's device links in sysfs (host_facts and the boot-time replay script both use it)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
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


# Queue IRQ names per driver, as /sys/class/net/IF/device/driver names it, checked against each
# driver's source in the kernel tree (where it calls request_irq). In a pattern, {if} is the
# interface name, {pci} its PCI address and {dev} its device's own name (virtio2). A pattern's
# groups say what the vector serves: (?P<q>) a queue pair (rx and tx queue N), (?P<rx>) an rx
# queue, (?P<tx>) a tx queue, (?P<blk>) a gve notification block. The numbers only give the order:
# the n-th rx vector in that order serves rx queue n (tg3 names its rx vectors 1..n for rx queues
# 0..n-1, bnxt_en and vmxnet3 number vectors across both directions, cxgb4's out-of-tree driver
# numbers queue sets across ports). 'queues' lists alternatives, tried in order, each a list of
# patterns that together name the queues (split rx and tx vectors); the first that finds a vector
# is taken. Every other vector of the device is not a queue; 'other' names the known ones.
_INTEL = [r'{if}-TxRx-(?P<q>\d+)', r'{if}-rx-(?P<rx>\d+)', r'{if}-tx-(?P<tx>\d+)']
DRIVERS = {
    # drivers/net/ethernet/amazon/ena/ena_netdev.c: ena_setup_io_intr, ena_setup_mgmnt_intr
    'ena': {'queues': [[r'{if}-Tx-Rx-(?P<q>\d+)']], 'other': [(r'ena-mgmnt@pci:{pci}', 'management')]},
    # drivers/net/ethernet/google/gve/gve_main.c: gve_alloc_notify_blocks (half tx blocks, then rx);
    # before 6.3 the blocks carried the interface name
    'gve': {'queues': [[r'gve-ntfy-blk(?P<blk>\d+)@pci:{pci}'], [r'{if}-ntfy-block\.(?P<blk>\d+)']],
            'other': [(r'gve-mgmnt@pci:{pci}', 'management'), (r'{if}-mgmnt', 'management')]},
    # drivers/net/ethernet/microsoft/mana/gdma_main.c: mana_gd_setup_irqs (vector 0 is the HWC)
    'mana': {'queues': [[r'mana_q(?P<q>\d+)@pci:{pci}']],
             'other': [(r'mana_hwc@pci:{pci}', 'hardware channel (hwc)')]},
    # hv_netvsc: VMBus channels, whose interrupts are the hypervisor callback vector (HYP)
    'hv_netvsc': {'queues': [], 'other': [],
                  'none': 'its queues are VMBus channels, signalled through the hypervisor callback '
                          'vector, not IRQs of their own'},
    # drivers/net/ethernet/mellanox/mlx4/eq.c: mlx4_assign_eq ("mlx4-N@<bdf>", no "pci:"); older
    # kernels "mlx4-comp-N@pci:<bdf>", and mlx4_en's own per-ring vectors "<if>-N"
    'mlx4_core': {'queues': [[r'{if}-(?P<q>\d+)'], [r'mlx4-(?P<q>\d+)@(?:pci:)?{pci}'],
                             [r'mlx4-comp-(?P<q>\d+)@pci:{pci}']],
                  'other': [(r'mlx4-async@pci:{pci}', 'async events'), (r'mlx4_core@pci:{pci}', 'INTx'),
                            (r'mlx4-comp-\d+@pci:{pci}', "a completion vector of the core no ring of this port uses")]},
    # drivers/net/ethernet/mellanox/mlx5/core/pci_irq.c: irq_set_name
    'mlx5_core': {'queues': [[r'mlx5_comp(?P<q>\d+)@pci:{pci}']],
                  'other': [(r'mlx5_async\d*@pci:{pci}', 'async events'),
                            (r'mlx5_(?:cmd|pages|page_fault)(?:_eq)?@pci:{pci}', 'command/pages events'),
                            (r'mlx5_combined\d*@pci:{pci}', 'single vector'),
                            (r'mlx5_sf_(?:ctrl|comp)\d*@pci:{pci}', 'sub-function')]},
    # drivers/net/vmxnet3/vmxnet3_drv.c: vmxnet3_request_irqs (N is the vector index)
    'vmxnet3': {'queues': [[r'{if}-rxtx-(?P<q>\d+)', r'{if}-rx-(?P<rx>\d+)', r'{if}-tx-(?P<tx>\d+)']],
                'other': [(r'{if}-event-\d+', 'link events')]},
    # drivers/virtio/virtio_pci_common.c + drivers/net/virtio_net.c: vq names input.N / output.N, or
    # one vector shared by every queue
    'virtio_net': {'queues': [[r'{dev}-input\.(?P<rx>\d+)', r'{dev}-output\.(?P<tx>\d+)'],
                              [r'{dev}-(?P<shared>virtqueues)']],
                   'other': [(r'{dev}-config', 'config changes'), (r'{dev}-control', 'control queue')]},
    # drivers/net/ethernet/chelsio/cxgb4/cxgb4_main.c: setup_sge_queues "%s-Rx%d"; Chelsio's own
    # driver (and cxgb3) "%s (queue %d)"
    'cxgb4': {'queues': [[r'{if}-Rx(?P<q>\d+)'], [r'{if} \(queue (?P<q>\d+)\)']],
              'other': [(r'.*-FWeventq', 'firmware events'),
                        (r'.*-(?:ofld|rdma|rdma-ciq|mirrorrxq|crypto|iscsi)\d+', 'offload queue')]},
    # drivers/net/ethernet/qlogic/qlcnic/qlcnic_main.c: qlcnic_request_irq (the last rx ring's
    # vector also serves tx 0 without multi-tx)
    'qlcnic': {'queues': [[r'{if}-tx-(?P<tx>\d+)-rx-(?P<rx>\d+)', r'{if}-rx-(?P<rx>\d+)', r'{if}-tx-(?P<tx>\d+)']],
               'other': [(r'qlcnic-MB', 'mailbox')]},
    # drivers/net/ethernet/broadcom/bnx2x/bnx2x_cmn.c: bnx2x_req_msix_irqs (slowpath is "<if>")
    'bnx2x': {'queues': [[r'{if}-fp-(?P<q>\d+)']], 'other': []},
    # drivers/net/ethernet/broadcom/tg3.c: tg3_request_irq (N is the vector; vector 0 only does link
    # and, without TSS, tx; names truncated to 15 characters before 6.13)
    'tg3': {'queues': [[r'{if}-txrx-(?P<q>\d+)', r'{if}-rx-(?P<rx>\d+)', r'{if}-tx-(?P<tx>\d+)']], 'other': []},
    # drivers/net/ethernet/broadcom/bnxt/bnxt.c: bnxt_setup_msix (N is the completion ring)
    'bnxt_en': {'queues': [_INTEL], 'other': []},
    # drivers/net/ethernet/intel: igb/igc/ixgbe/ixgbevf "<if>-TxRx-N" (the other vector is "<if>"),
    # i40e/ice/iavf with the driver's prefix and a misc or mailbox vector named by PCI address
    'igb': {'queues': [_INTEL], 'other': []},
    'igc': {'queues': [_INTEL], 'other': []},
    'ixgbe': {'queues': [_INTEL], 'other': []},
    'ixgbevf': {'queues': [_INTEL], 'other': []},
    'i40e': {'queues': [['i40e-' + p for p in _INTEL]],
             'other': [(r'i40e-{pci}:misc', 'misc (admin queue)'), (r'i40e-{pci}:fdir-TxRx-\d+', 'flow director')]},
    'ice': {'queues': [['ice-' + p for p in _INTEL]],
            'other': [(r'ice-{pci}:misc', 'misc (admin queue)'), (r'ice-{pci}:ll_ts', 'timestamps'),
                      (r'ice-{pci}:ctrl.*', 'control (flow director)')]},
    # drivers/net/ethernet/intel/idpf: "idpf-<if>-TxRx-N" (Rx, Tx), the mailbox "idpf-Mailbox-N"
    'idpf': {'queues': [[r'idpf-{if}-TxRx-(?P<q>\d+)', r'idpf-{if}-Rx-(?P<rx>\d+)', r'idpf-{if}-Tx-(?P<tx>\d+)']],
             'other': [(r'idpf-Mailbox-\d+', 'mailbox')]},
    'iavf': {'queues': [['iavf-' + p for p in _INTEL]], 'other': [(r'iavf-{pci}:mbx', 'mailbox')]},
    # drivers/net/ethernet/sfc: "<if>-N" for a combined channel, "<if>-rx-N" / "<if>-tx-N" split
    'sfc': {'queues': [[r'{if}-(?P<q>\d+)', r'{if}-rx-(?P<rx>\d+)', r'{if}-tx-(?P<tx>\d+)']],
            'other': [(r'{if}-ptp', 'PTP'), (r'{if}-xdp-\d+', 'XDP transmit')]},
}
# Words of vectors that are never queues, for a driver the table does not know.
_NOT_QUEUE = re.compile(r'(mgmnt|mgmt|async|config|event|misc|fdir|hwc|ctrl|pages|cmd|mbx|mailbox|'
                        r'FWeventq|-MB$|control)', re.I)


def _compile(pattern, interface, device_name, pci_address):
    text = pattern.replace('{if}', re.escape(interface))
    text = text.replace('{dev}', re.escape(device_name) if device_name else r'(?!x)x')
    text = text.replace('{pci}', re.escape(pci_address) if pci_address else r'(?!x)x')
    return re.compile('^%s$' % text)


def _match_queues(driver, interface, device_name, pci_address, names):
    """{irq: (rx number or None, tx number or None, block or None)} for names matching driver's table:
    the first of its alternatives that matches anything."""
    for alternative in DRIVERS[driver]['queues']:
        found = {}
        for pattern in alternative:
            regex = _compile(pattern, interface, device_name, pci_address)
            for irq, name in names:
                match = regex.match(name)
                if not match or irq in found:
                    continue
                groups = dict((key, int(value)) for key, value in match.groupdict().items()
                              if value is not None and value.isdigit())
                q = 0 if match.groupdict().get('shared') else groups.get('q')
                found[irq] = (groups.get('rx', q), groups.get('tx', q), groups.get('blk'))
        if found:
            return found
    return {}


def _vectors(found, rx_queues, tx_queues):
    """The matched IRQs as one IRQ list per queue (rx queue n's vector with tx queue n's), and the
    vectors beyond the configured queues (idle): gve requests a block for every queue it could have,
    and virtio_net keeps the vectors of every queue pair it could have after ``ethtool -L``."""
    idle = []
    blocks = sorted((blk, irq) for irq, (_rx, _tx, blk) in found.items() if blk is not None)
    if blocks:
        half = len(blocks) // 2
        tx_irqs = [irq for _blk, irq in blocks[:half]]
        rx_irqs = [irq for _blk, irq in blocks[half:2 * half]]
        if rx_queues:
            idle += rx_irqs[rx_queues:]
            rx_irqs = rx_irqs[:rx_queues]
        if tx_queues:
            idle += tx_irqs[tx_queues:]
            tx_irqs = tx_irqs[:tx_queues]
    else:
        rx_irqs = [irq for _n, irq in sorted((rx, irq) for irq, (rx, _tx, _b) in found.items() if rx is not None)]
        tx_irqs = [irq for _n, irq in sorted((tx, irq) for irq, (rx, tx, _b) in found.items()
                                             if tx is not None and rx is None)]
    queues = []
    for q in range(max(len(rx_irqs), len(tx_irqs))):
        queues.append(sorted(set(rx_irqs[q:q + 1] + tx_irqs[q:q + 1])))
    configured = max(rx_queues or 0, tx_queues or 0)
    if configured and not blocks:
        idle += [irq for vector in queues[configured:] for irq in vector]
        queues = queues[:configured]
    return queues, idle


def queue_irqs(interface, interrupts, device_name=None, pci_address=None, msi_irqs=None, driver=None,
               rx_queues=None, tx_queues=None):
    """Find the IRQs of a NIC's queues, by the names its driver gives them.

    ``interrupts``: the parsed /proc/interrupts (``parse_interrupts``). ``device_name``: basename of
    /sys/class/net/IF/device (``virtio2`` for virtio; the PCI address for PCI NICs). ``pci_address``:
    the PCI address. ``msi_irqs``: the device's MSI IRQs (device/msi_irqs). ``driver``: the basename
    of device/driver. ``rx_queues``/``tx_queues``: the queues the NIC has (gve requests a block for
    every queue it could have).

    Returns ``{'driver_style', 'queues': [[irq, ...] per queue, queue order], 'irqs': [all queue
    IRQs], 'other_irqs': [...], 'excluded': [{irq, name, reason}], 'note': a sentence}``.
    """
    names = [(entry['irq'], action) for entry in interrupts for action in entry['actions']]
    name_of = dict((entry['irq'], ','.join(entry['actions'])) for entry in interrupts)
    msi = sorted(set(msi_irqs or []))
    style, found, note = None, {}, None
    if driver in DRIVERS:
        if DRIVERS[driver].get('none'):
            return {'driver_style': driver, 'queues': [], 'irqs': [], 'other_irqs': [], 'excluded': [],
                    'note': '%s (driver %s): %s.' % (interface, driver, DRIVERS[driver]['none'])}
        found = _match_queues(driver, interface, device_name, pci_address, names)
        style = driver
        if found:
            note = "%s's queue IRQs found by driver %s's names." % (interface, driver)
    else:
        alike = []
        for candidate in sorted(DRIVERS):
            if DRIVERS[candidate]['queues']:
                matched = _match_queues(candidate, interface, device_name, pci_address, names)
                if matched and (not found or matched == found):
                    found = found or matched
                    alike.append(candidate)
        if found:
            style = alike[0]
            note = ("%s's driver %s is not in the table, but its IRQ names are those of %s: taken as "
                    "such." % (interface, driver or '(unknown)', ', '.join(alike)))
    if found:
        queues, idle = _vectors(found, rx_queues, tx_queues)
        queue_set = set(irq for vector in queues for irq in vector)
        mine = set(msi) | set(idle)
        # the device's own non-queue vectors where msi_irqs does not list them (Xen, virtio's parent)
        for irq, name in names:
            if name == interface or (device_name and name.startswith(device_name + '-')) \
                    or (pci_address and pci_address in name):
                mine.add(irq)
        labels = [(_compile(p, interface, device_name, pci_address), label)
                  for p, label in DRIVERS.get(style, {}).get('other', [])]
        excluded = []
        for irq in sorted(mine - queue_set):
            name = name_of.get(irq, '')
            reason = 'not a queue vector of %s' % style
            if irq in idle:
                reason = ('a notification block with no queue configured' if style == 'gve'
                          else 'the vector of a queue beyond the configured ones (channels)')
            elif not name:
                reason = 'no handler: a vector not in use'
            elif name == interface:
                reason = 'the device vector named after the interface (mailbox, link, slowpath)'
            else:
                for regex, label in labels:
                    if regex.match(name):
                        reason = label
                        break
            excluded.append({'irq': irq, 'name': name, 'reason': reason})
        return {'driver_style': style, 'queues': queues, 'irqs': [irq for v in queues for irq in v],
                'other_irqs': [e['irq'] for e in excluded], 'excluded': excluded, 'note': note}
    if msi:
        excluded = [{'irq': irq, 'name': name_of.get(irq, ''), 'reason': 'its name says it is not a queue'}
                    for irq in msi if _NOT_QUEUE.search(name_of.get(irq, ''))]
        skip = set(e['irq'] for e in excluded)
        queues = [[irq] for irq in msi if irq not in skip]
        why = ("driver %s's queue names were not found (an interface renamed after its IRQs were "
               "requested?)" % driver) if driver in DRIVERS else "driver %s is not known" % (driver or '(none)')
        return {'driver_style': 'msi', 'queues': queues, 'irqs': [v[0] for v in queues],
                'other_irqs': sorted(skip), 'excluded': excluded,
                'note': "%s: %s, so every MSI vector of the device is taken as a queue, in IRQ order%s."
                        % (interface, why, ', but %s' % ', '.join('%s (%d)' % (e['name'], e['irq'])
                                                                  for e in excluded) if excluded else '')}
    return {'driver_style': 'none', 'queues': [], 'irqs': [], 'other_irqs': [], 'excluded': [], 'note': None}


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


PCI_RE = re.compile(r'^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$')


def _listdir(path):
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []


def sysfs_nic(net_dir):
    """What ``queue_irqs`` needs of a NIC from sysfs, given its /sys/class/net/IF directory:
    ``{device_name, pci_address, msi_irqs, driver, rx, tx}``. A device without ``device`` (veth, a
    bond) has device_name None and no MSI IRQs. virtio's MSI IRQs are its PCI parent's."""
    rx, tx = queue_counts(_listdir(os.path.join(net_dir, 'queues')))
    link = os.path.join(net_dir, 'device')
    if not os.path.exists(link):
        return {'device_name': None, 'pci_address': None, 'msi_irqs': [], 'driver': None, 'rx': rx, 'tx': tx}
    device = os.path.realpath(link)
    name = os.path.basename(device)
    pci = None
    for candidate in (name, os.path.basename(os.path.dirname(device))):
        if PCI_RE.match(candidate):
            pci = candidate
            break
    entries = _listdir(os.path.join(link, 'msi_irqs')) or _listdir(os.path.join(link, '..', 'msi_irqs'))
    driver = os.path.join(link, 'driver')
    return {'device_name': name, 'pci_address': pci, 'msi_irqs': [int(x) for x in entries if x.isdigit()],
            'driver': os.path.basename(os.path.realpath(driver)) if os.path.exists(driver) else None,
            'rx': rx, 'tx': tx}


def queue_counts(queue_names):
    """Count rx-N and tx-N entries of /sys/class/net/IF/queues."""
    rx = sum(1 for name in queue_names if re.match(r'^rx-\d+$', name))
    tx = sum(1 for name in queue_names if re.match(r'^tx-\d+$', name))
    return rx, tx


def _ethtool_number(text):
    text = text.strip()
    return int(text) if text.isdigit() else None


def parse_channels(text):
    """``ethtool -l IF`` -> {'max': {rx, tx, other, combined}, 'current': {...}} (None where "n/a"),
    or None when the driver reports no channels (ethtool: "Operation not supported")."""
    result = {}
    section = None
    for line in (text or '').splitlines():
        lowered = line.strip().lower()
        if lowered.startswith('pre-set maximums'):
            section = result.setdefault('max', {})
        elif lowered.startswith('current hardware settings'):
            section = result.setdefault('current', {})
        elif section is not None and ':' in lowered:
            key, _sep, value = lowered.partition(':')
            if key in ('rx', 'tx', 'other', 'combined'):
                section[key] = _ethtool_number(value)
    if 'max' not in result or 'current' not in result:
        return None
    return result


def parse_features(text):
    """``ethtool -k IF`` -> {feature: {'on': bool, 'fixed': bool}} (fixed: the driver will not change it)."""
    features = {}
    for line in (text or '').splitlines():
        name, sep, value = line.strip().partition(':')
        words = value.split()
        if sep and words and words[0] in ('on', 'off'):
            features[name] = {'on': words[0] == 'on', 'fixed': '[fixed]' in value}
    return features
