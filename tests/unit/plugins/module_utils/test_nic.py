# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Queue IRQs found by driver on real /proc/interrupts captures (tests/unit/fixtures/SOURCES.md).

Each case states, from the driver's source (the function that names its vectors), which vector
names serve queues 0, 1, ... in order and which vectors are not queues; the test turns those names
into IRQ numbers with its own reading of the capture and compares."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.lowlat.k8snet.plugins.module_utils.nic import (
    DRIVERS, parse_interrupts, parse_numa_node, queue_counts, queue_irqs,
)
from ansible_collections.lowlat.k8snet.tests.unit.fixture_text import interrupts_text, read as fixture


def interrupts(name):
    return parse_interrupts(interrupts_text(name))


def irq_named(name, fixture_name):
    """The IRQ of the line whose handler is exactly name, read with a plain split of the capture."""
    for line in interrupts_text(fixture_name).splitlines()[1:]:
        head, _sep, rest = line.partition(':')
        if head.strip().isdigit() and (rest.rstrip().endswith('  ' + name) or rest.rstrip().endswith(' ' + name)
                                       and rest.split()[-1] == name):
            return int(head)
    raise AssertionError('%s is not in %s' % (name, fixture_name))


def q(names, fixture_name):
    return [[irq_named(name, fixture_name) for name in group] for group in names]


CASES = [
    # (fixture, interface, driver, device name, PCI address, device's MSI IRQs, rx/tx queues,
    #  queue vectors by name in queue order, the device's other vectors by name)
    ('ena_interrupts.txt', 'eth0', 'ena', '0000:00:05.0', '0000:00:05.0', [28, 29, 30], (2, 2),
     [['eth0-Tx-Rx-0'], ['eth0-Tx-Rx-1']], ['ena-mgmnt@pci:0000:00:05.0']),
    ('gve_interrupts.txt', 'ens4', 'gve', '0000:00:04.0', '0000:00:04.0', [24, 25, 26], (1, 1),
     # two blocks: block 0 serves tx queue 0, block 1 (= blocks / 2 + 0) rx queue 0
     [['gve-ntfy-blk0@pci:0000:00:04.0', 'gve-ntfy-blk1@pci:0000:00:04.0']], ['gve-mgmnt@pci:0000:00:04.0']),
    ('mana_interrupts.txt', 'enP30832s1', 'mana', '7870:00:00.0', '7870:00:00.0', [25, 26, 27, 28], (4, 4),
     [['mana_q0@pci:7870:00:00.0'], ['mana_q1@pci:7870:00:00.0'], ['mana_q2@pci:7870:00:00.0'],
      ['mana_q3@pci:7870:00:00.0']], []),
    ('mlx4_interrupts.txt', 'enp9s0', 'mlx4_core', '0000:09:00.0', '0000:09:00.0', list(range(210, 235)), (24, 24),
     [['mlx4-%d@0000:09:00.0' % n] for n in range(1, 25)], ['mlx4-async@pci:0000:09:00.0']),
    ('tg3_mlx4en_interrupts.txt', 'eth6', 'mlx4_core', '0000:04:00.0', '0000:04:00.0', [], (8, 8),
     # mlx4_en of that kernel gave each ring a vector of its own: the core's completion vectors
     # serve no ring of this port
     [['eth6-%d' % n] for n in range(8)], ['mlx4-comp-%d@pci:0000:04:00.0' % n for n in range(3)]
     + ['mlx4-async@pci:0000:04:00.0']),
    ('vmxnet3_interrupts.txt', 'eth0', 'vmxnet3', '0000:0b:00.0', '0000:0b:00.0', list(range(56, 65)), (8, 8),
     [['eth0-rxtx-%d' % n] for n in range(8)], ['eth0-event-8']),
    ('virtio_net_1vcpu_interrupts.txt', 'eth0', 'virtio_net', 'virtio0', '0000:00:03.0', [26, 27, 28], (1, 1),
     [['virtio0-input.0', 'virtio0-output.0']], ['virtio0-config']),
    ('cxgb4_interrupts.txt', 'enp5s0f4', 'cxgb4', '0000:05:00.4', '0000:05:00.4', [], (4, 4),
     # Chelsio's driver numbers queue sets across the adapter: 17-20 are this port's 0-3
     [['enp5s0f4 (queue %d)' % n] for n in range(17, 21)], []),
    ('qlcnic_interrupts.txt', 'eth0', 'qlcnic', '0000:05:00.0', '0000:05:00.0', [88, 89, 90, 91], (4, 1),
     # the last status ring's vector also serves tx queue 0
     [['eth0-rx-0'], ['eth0-rx-1'], ['eth0-rx-2'], ['eth0-tx-0-rx-3']], []),
    ('bnx2x_igb_interrupts.txt', 'eth3', 'bnx2x', '0000:03:00.0', '0000:03:00.0', [62, 64, 65, 66], (3, 3),
     [['eth3-fp-0'], ['eth3-fp-1'], ['eth3-fp-2']], ['eth3']),
    ('tg3_mlx4en_interrupts.txt', 'eth0', 'tg3', '0000:03:00.0', '0000:03:00.0', [161, 162, 163, 164, 165], (4, 1),
     # vector 0 (tx-0) serves tx queue 0 and link; rx queue n is on vector n + 1
     [['eth0-tx-0', 'eth0-rx-1'], ['eth0-rx-2'], ['eth0-rx-3'], ['eth0-rx-4']], []),
    ('igb_ixgbe_interrupts.txt', 'eth5', 'ixgbe', '0000:84:00.1', '0000:84:00.1', [], (32, 32),
     [['eth5-TxRx-%d' % n] for n in range(32)], ['eth5']),
    ('igb_ixgbe_interrupts.txt', 'eth0', 'igb', '0000:01:00.0', '0000:01:00.0', [], (8, 8),
     [['eth0-TxRx-%d' % n] for n in range(8)], ['eth0']),
    ('i40e_interrupts.txt', 'eth0', 'i40e', '0000:01:00.0', '0000:01:00.0', [32, 33, 34, 35, 36, 37], (4, 4),
     [['i40e-eth0-TxRx-%d' % n] for n in range(4)],
     ['i40e-0000:01:00.0:misc', 'i40e-0000:01:00.0:fdir-TxRx-0']),
    ('ixgbevf_interrupts.txt', 'eth0', 'ixgbevf', '0000:00:03.0', '0000:00:03.0', [], (2, 2),
     [['eth0-TxRx-0'], ['eth0-TxRx-1']], ['eth0']),
    ('ice_interrupts.txt', 'ens1f0', 'ice', '0000:17:00.0', '0000:17:00.0', [], (8, 8),
     [['ice-ens1f0-TxRx-%d' % n] for n in range(8)], ['ice-0000:17:00.0:misc']),
    ('mlx5_interrupts.txt', 'ens3f0np0', 'mlx5_core', '0000:3b:00.0', '0000:3b:00.0', list(range(80, 89)), (8, 8),
     [['mlx5_comp%d@pci:0000:3b:00.0' % n] for n in range(8)], ['mlx5_async0@pci:0000:3b:00.0']),
]


@pytest.mark.parametrize('case', CASES, ids=['%s-%s' % (c[2], c[1]) for c in CASES])
def test_queue_irqs_by_driver(case):
    name, interface, driver, device, pci, msi, (rx, tx), queues, others = case
    assert driver in DRIVERS
    found = queue_irqs(interface, interrupts(name), device_name=device, pci_address=pci, msi_irqs=msi,
                       driver=driver, rx_queues=rx, tx_queues=tx)
    want = q(queues, name)
    assert found['driver_style'] == driver
    assert [sorted(vector) for vector in found['queues']] == [sorted(vector) for vector in want]
    assert found['irqs'] == [irq for vector in found['queues'] for irq in vector]
    other_irqs = sorted(irq_named(other, name) for other in others)
    assert found['other_irqs'] == other_irqs
    # every excluded vector is named with a reason, and none of them is a queue
    assert sorted(e['irq'] for e in found['excluded']) == other_irqs
    assert all(e['reason'] for e in found['excluded'])
    assert not set(other_irqs) & set(found['irqs'])
    assert "driver %s's names" % driver in found['note']


def test_excluded_vectors_say_what_they_are():
    found = queue_irqs('eth0', interrupts('ena_interrupts.txt'), device_name='0000:00:05.0',
                       pci_address='0000:00:05.0', msi_irqs=[28, 29, 30], driver='ena')
    assert found['excluded'] == [{'irq': 28, 'name': 'ena-mgmnt@pci:0000:00:05.0', 'reason': 'management'}]
    i40e = queue_irqs('eth0', interrupts('i40e_interrupts.txt'), device_name='0000:01:00.0',
                      pci_address='0000:01:00.0', msi_irqs=list(range(32, 38)), driver='i40e')
    assert [e['reason'] for e in i40e['excluded']] == ['misc (admin queue)', 'flow director']


def test_vectors_of_removed_queues_are_not_queues():
    # after ethtool -L combined 1, ENA's vectors 67-69 keep counts but lose their handler
    found = queue_irqs('enp39s0', interrupts('ena_freed_interrupts.txt'), device_name='0000:27:00.0',
                       pci_address='0000:27:00.0', msi_irqs=list(range(65, 70)), driver='ena', rx_queues=1,
                       tx_queues=1)
    assert found['queues'] == [[66]]
    assert [(e['irq'], e['reason']) for e in found['excluded']] == [
        (65, 'management'), (67, 'no handler: a vector not in use'), (68, 'no handler: a vector not in use'),
        (69, 'no handler: a vector not in use')]


def test_gve_blocks_beyond_the_configured_queues_are_idle():
    # gve requests every block it could use: with 1 of 1 queues configured both are used; with a
    # capture of 2 blocks and 0 configured rx queues the rx block is idle
    text = interrupts('gve_interrupts.txt')
    found = queue_irqs('ens4', text, pci_address='0000:00:04.0', driver='gve', msi_irqs=[24, 25, 26],
                       rx_queues=1, tx_queues=1)
    assert found['queues'] == [[24, 25]]


def test_a_driver_without_queue_irqs_says_so():
    found = queue_irqs('eth0', interrupts('vm2_interrupts.txt'), device_name='vmbus_1', driver='hv_netvsc')
    assert found['queues'] == [] and 'VMBus channels' in found['note']


def test_virtqueues_of_another_virtio_device_are_not_a_nic():
    # virtio0 here is a virtio-scsi controller; the NICs are e1000 on a shared INTx line
    found = queue_irqs('eth0', interrupts('virtio_scsi_virtqueues_interrupts.txt'), device_name='0000:00:03.0',
                       pci_address='0000:00:03.0', msi_irqs=[], driver='e1000')
    assert found['driver_style'] == 'none' and found['queues'] == []


def test_an_unknown_driver_with_known_names_is_taken_by_its_names():
    found = queue_irqs('eth3', interrupts('bnx2x_igb_interrupts.txt'), device_name='0000:03:00.0',
                       pci_address='0000:03:00.0', msi_irqs=[62, 64, 65, 66], driver='bnx2x_oot')
    assert found['queues'] == [[64], [65], [66]]
    assert 'not in the table' in found['note']


def test_unknown_naming_falls_back_to_msi_irqs_without_the_named_admin_vectors():
    table = parse_interrupts('CPU0 CPU1\n 44: 1 0 PCI-MSIX-0000:01:00.0 0-edge foo-admin-mgmt\n'
                             ' 45: 1 0 PCI-MSIX-0000:01:00.0 1-edge foo-q0\n'
                             ' 46: 1 0 PCI-MSIX-0000:01:00.0 2-edge foo-q1\n')
    found = queue_irqs('enp1s0', table, device_name='0000:01:00.0', msi_irqs=[46, 45, 44], driver='foo')
    assert found['driver_style'] == 'msi' and found['queues'] == [[45], [46]]
    assert found['excluded'] == [{'irq': 44, 'name': 'foo-admin-mgmt', 'reason': 'its name says it is not a queue'}]
    assert 'driver foo is not known' in found['note'] and 'foo-admin-mgmt (44)' in found['note']


def test_a_known_driver_whose_names_are_missing_says_so():
    found = queue_irqs('eth9', interrupts('ena_interrupts.txt'), device_name='0000:00:05.0',
                       pci_address='0000:00:05.0', msi_irqs=[28, 29, 30], driver='ena')
    assert found['driver_style'] == 'msi' and found['queues'] == [[29], [30]]
    assert "driver ena's queue names were not found" in found['note']


def test_parse_skips_per_cpu_counters_and_reads_actions():
    table = interrupts('ice_interrupts.txt')
    assert all(isinstance(entry['irq'], int) for entry in table)
    shared = [entry for entry in table if entry['irq'] == 9][0]
    assert shared['actions'] == ['acpi', 'i801_smbus']
    assert shared['counts'] == [0] * 8
    q0 = [entry for entry in table if entry['irq'] == 151][0]
    assert q0['actions'] == ['ice-ens1f0-TxRx-0'] and q0['counts'][0] == 1000
    cxgb4 = [entry for entry in interrupts('cxgb4_interrupts.txt') if entry['irq'] == 57][0]
    assert cxgb4['actions'] == ['enp5s0f4 (queue 17)'] and len(cxgb4['counts']) == 24


def test_virtual_nic_has_no_irqs():
    found = queue_irqs('veth0', interrupts('vm2_interrupts.txt'))
    assert (found['driver_style'], found['queues'], found['irqs']) == ('none', [], [])


def test_numa_node_and_queue_counts():
    assert parse_numa_node('-1\n') is None
    assert parse_numa_node(None) is None
    assert parse_numa_node('1') == 1
    assert queue_counts(['rx-0', 'rx-1', 'tx-0', 'tx-1', 'tx-2', 'rx-x']) == (2, 3)
    assert fixture('SOURCES.md').count('|') > 40


@pytest.mark.parametrize('case', CASES, ids=['%s-%s' % (c[2], c[1]) for c in CASES])
def test_each_queue_keeps_its_irqs_rps_and_node_together(case):
    """Discovery then the plan, on the study's two-node host: every IRQ of a queue on one CPU, that
    queue's RPS on the same node, its tx queue's XPS map holding that CPU's node only."""
    from ansible_collections.lowlat.k8snet.plugins.module_utils.plan import steering_plan
    from ansible_collections.lowlat.k8snet.plugins.module_utils.topology import parse_lscpu
    from ansible_collections.lowlat.k8snet.tests.unit.plan_rules import broken, cpus
    name, interface, driver, device, pci, msi, (rx, tx), _queues, _others = case
    found = queue_irqs(interface, interrupts(name), device_name=device, pci_address=pci, msi_irqs=msi,
                       driver=driver, rx_queues=rx, tx_queues=tx)
    nic = {'name': interface, 'rx_queues': rx, 'tx_queues': tx, 'irqs': found['irqs'], 'queues': found['queues'],
           'numa_node': None}
    topology = parse_lscpu(fixture('c4_8xlarge_lscpu.txt'))
    plan = steering_plan(topology, nic)
    assert broken(topology, nic, plan) == []
    nodes = [cpus(text) for text in topology['nodes'].values()]
    for q, vector in enumerate(found['queues']):
        cpu = set(int(plan['irq_affinity'][str(irq)]) for irq in vector)
        assert len(cpu) == 1, (q, vector)
        home = [members for members in nodes if cpu <= members][0]
        if q < rx:
            assert cpus(plan['rps_cpus']['rx-%d' % q]) <= home
        if q < tx and tx > 1:
            assert cpus(plan['xps_cpus']['tx-%d' % q]) <= home


def test_ethtool_channels_and_features_of_the_qemu_guests_virtio_nic():
    from ansible_collections.lowlat.k8snet.plugins.module_utils.nic import parse_channels, parse_features
    channels = parse_channels(fixture('vm_virtio_ethtool_l.txt'))
    assert channels == {'max': {'rx': None, 'tx': None, 'other': None, 'combined': 4},
                        'current': {'rx': None, 'tx': None, 'other': None, 'combined': 4}}
    assert parse_channels('netlink error: Operation not supported\n') is None
    features = parse_features(fixture('vm_virtio_ethtool_k.txt'))
    assert features['ntuple-filters'] == {'on': False, 'fixed': True}
    assert features['rx-checksumming']['on'] is True


def test_queue_order_follows_the_name_not_the_irq_number():
    table = parse_interrupts('CPU0 CPU1\n 40: 1 0 PCI-MSIX-0000:01:00.0 2-edge eth0-TxRx-1\n'
                             ' 50: 1 0 PCI-MSIX-0000:01:00.0 1-edge eth0-TxRx-0\n'
                             ' 60: 1 0 PCI-MSIX-0000:01:00.0 0-edge eth0\n')
    found = queue_irqs('eth0', table, pci_address='0000:01:00.0', driver='ixgbe')
    assert found['queues'] == [[50], [40]] and found['other_irqs'] == [60]


def test_gve_tx_blocks_come_first_and_unused_blocks_are_idle():
    # 4 blocks: 0-1 tx, 2-3 rx; 2 tx queues and 1 rx queue configured -> block 3 serves no queue
    lines = ''.join(' %d: 1 0 PCI-MSI %d-edge gve-ntfy-blk%d@pci:0000:00:04.0\n' % (24 + b, b, b) for b in range(4))
    table = parse_interrupts('CPU0 CPU1\n' + lines + ' 28: 1 0 PCI-MSI 4-edge gve-mgmnt@pci:0000:00:04.0\n')
    found = queue_irqs('ens4', table, pci_address='0000:00:04.0', driver='gve', msi_irqs=list(range(24, 29)),
                       rx_queues=1, tx_queues=2)
    assert found['queues'] == [[24, 26], [25]]
    assert [(e['irq'], e['reason']) for e in found['excluded']] == [
        (27, 'a notification block with no queue configured'), (28, 'management')]


def test_virtio_vectors_of_queue_pairs_beyond_the_channels_are_idle():
    """virtio_net keeps a vector per queue pair it could have after ethtool -L combined 1 (the
    qemu guests: 4 pairs, 1 configured); only pair 0 is a queue. Counted as queues, the idle pairs
    would give a bond's next slave the wrong place among the IRQ CPUs."""
    lines = ' 45: 0 0 PCI-MSIX-0000:00:04.0 0-edge virtio2-config\n' + ''.join(
        ' %d: 1 0 PCI-MSIX-0000:00:04.0 %d-edge virtio2-%s.%d\n' % (46 + 2 * q + d, 1 + 2 * q + d, kind, q)
        for q in range(4) for d, kind in enumerate(('input', 'output')))
    table = parse_interrupts('CPU0 CPU1\n' + lines)
    found = queue_irqs('eth2', table, device_name='virtio2', pci_address='0000:00:04.0', driver='virtio_net',
                       msi_irqs=list(range(45, 54)), rx_queues=1, tx_queues=1)
    assert found['queues'] == [[46, 47]]
    beyond = 'the vector of a queue beyond the configured ones (channels)'
    assert [(e['irq'], e['reason']) for e in found['excluded']] == [(45, 'config changes')] + [
        (irq, beyond) for irq in range(48, 54)]
    # with the 4 pairs configured, every pair is a queue
    assert len(queue_irqs('eth2', table, device_name='virtio2', pci_address='0000:00:04.0', driver='virtio_net',
                          msi_irqs=list(range(45, 54)), rx_queues=4, tx_queues=4)['queues']) == 4


@pytest.mark.parametrize('index, reasons', [
    (1, ['management']),                               # gve
    (3, ['async events']),                             # mlx4
    (5, ['link events']),                              # vmxnet3
    (6, ['config changes']),                           # virtio_net
    (13, ['misc (admin queue)', 'flow director']),     # i40e
    (15, ['misc (admin queue)']),                      # ice
    (16, ['async events']),                            # mlx5
])
def test_excluded_vectors_are_named_by_what_the_driver_uses_them_for(index, reasons):
    name, interface, driver, device, pci, msi, (rx, tx), _queues, _others = CASES[index]
    found = queue_irqs(interface, interrupts(name), device_name=device, pci_address=pci, msi_irqs=msi,
                       driver=driver, rx_queues=rx, tx_queues=tx)
    assert [e['reason'] for e in found['excluded']] == reasons
