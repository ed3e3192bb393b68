# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lowlat.k8snet.plugins.module_utils.nic import (
    parse_interrupts, parse_numa_node, queue_counts, queue_irqs,
)
from ansible_collections.lowlat.k8snet.tests.unit.fixture_text import read as fixture


def interrupts(name):
    return parse_interrupts(fixture(name))


def test_parse_skips_per_cpu_counters_and_reads_actions():
    table = interrupts('ice_interrupts.txt')
    assert all(isinstance(entry['irq'], int) for entry in table)
    shared = [entry for entry in table if entry['irq'] == 9][0]
    assert shared['actions'] == ['acpi', 'i801_smbus']
    assert shared['counts'] == [0] * 8
    q0 = [entry for entry in table if entry['irq'] == 151][0]
    assert q0['actions'] == ['ice-ens1f0-TxRx-0'] and q0['counts'][0] == 1000


def test_ixgbevf_on_xen():
    found = queue_irqs('eth0', interrupts('ixgbevf_interrupts.txt'))
    assert found['driver_style'] == 'intel'
    assert found['queues'] == [[60], [61]]
    assert found['irqs'] == [60, 61]
    assert found['other_irqs'] == [62]     # the mailbox vector is not a queue


def test_ice_only_its_own_port():
    found = queue_irqs('ens1f0', interrupts('ice_interrupts.txt'), device_name='0000:17:00.0',
                       pci_address='0000:17:00.0')
    assert found['irqs'] == list(range(151, 159))
    assert 150 in found['other_irqs'] and 160 not in found['other_irqs']


def test_virtio_this_vm():
    found = queue_irqs('eth0', interrupts('vm2_interrupts.txt'), device_name='virtio2',
                       pci_address='0000:00:03.0')
    assert found['driver_style'] == 'virtio'
    assert found['queues'] == [[38, 39]]    # input.0 and output.0 belong to queue pair 0
    assert found['other_irqs'] == [37]      # virtio2-config


def test_mlx5_by_pci_address_and_msi_irqs():
    msi = list(range(80, 89))
    found = queue_irqs('ens3f0np0', interrupts('mlx5_interrupts.txt'), device_name='0000:3b:00.0',
                       pci_address='0000:3b:00.0', msi_irqs=msi)
    assert found['driver_style'] == 'mlx5'
    assert found['irqs'] == list(range(81, 89))
    assert found['other_irqs'] == [80]      # the async vector


def test_unknown_naming_falls_back_to_msi_irqs():
    found = queue_irqs('enp1s0', [], device_name='0000:01:00.0', msi_irqs=[45, 44])
    assert found['driver_style'] == 'msi' and found['queues'] == [[44], [45]]


def test_virtual_nic_has_no_irqs():
    found = queue_irqs('veth0', interrupts('vm2_interrupts.txt'))
    assert found == {'driver_style': 'none', 'queues': [], 'irqs': [], 'other_irqs': []}


def test_numa_node_and_queue_counts():
    assert parse_numa_node('-1\n') is None
    assert parse_numa_node(None) is None
    assert parse_numa_node('1') == 1
    assert queue_counts(['rx-0', 'rx-1', 'tx-0', 'tx-1', 'tx-2', 'rx-x']) == (2, 3)
