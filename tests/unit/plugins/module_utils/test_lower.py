# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bonds and VLANs: the physical devices under an interface (sysfs as the bonding and 8021q drivers
lay it out: bonding/slaves, lower_<dev> links), and one IRQ layout shared by a bond's slaves."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.lowlat.k8snet.plugins.module_utils.hostinfo import Host
from ansible_collections.lowlat.k8snet.plugins.module_utils.plan import PlanError, steering_plan, steering_targets
from ansible_collections.lowlat.k8snet.tests.unit.plan_rules import broken, cpus
from ansible_collections.lowlat.k8snet.tests.unit.fixture_text import put


def link(root, rel, target):
    path = os.path.join(str(root), rel)
    if not os.path.isdir(os.path.dirname(path)):
        os.makedirs(os.path.dirname(path))
    os.symlink(os.path.join(str(root), target), path)


@pytest.fixture
def bonded(tmp_path):
    """eth1 and eth2 (virtio PCI devices) bonded as bond0, VLAN 100 on top (bond0.100)."""
    for n, name in ((4, 'eth1'), (5, 'eth2')):
        pci = 'sys/devices/pci0000:00/0000:00:0%d.0/virtio%d' % (n, n)
        put(tmp_path, os.path.dirname(pci) + '/numa_node', '-1\n')
        os.makedirs(os.path.join(str(tmp_path), pci))
        link(tmp_path, 'sys/class/net/%s/device' % name, pci)
        for q in range(4):
            put(tmp_path, 'sys/class/net/%s/queues/rx-%d/rps_cpus' % (name, q), '00\n')
            put(tmp_path, 'sys/class/net/%s/queues/tx-%d/xps_cpus' % (name, q), '00\n')
    put(tmp_path, 'sys/class/net/bond0/bonding/slaves', 'eth1 eth2\n')
    put(tmp_path, 'sys/class/net/bond0/queues/rx-0/rps_cpus', '00\n')
    link(tmp_path, 'sys/class/net/bond0.100/lower_bond0', 'sys/class/net/bond0')
    put(tmp_path, 'sys/class/net/bond0.100/queues/rx-0/rps_cpus', '00\n')
    return Host(str(tmp_path))


def test_the_physical_devices_under_a_vlan_on_a_bond(bonded):
    assert bonded.lower('bond0') == ['eth1', 'eth2']
    assert bonded.lower('bond0.100') == ['bond0']
    assert bonded.physical_lower('bond0.100') == (['eth1', 'eth2'], 'bond0.100 -> bond0 -> eth1, eth2')
    assert bonded.physical_lower('eth1') == ([], 'eth1')
    nic = bonded.nic('bond0.100', interrupts=[])
    assert nic['virtual'] and nic['physical_lower'] == ['eth1', 'eth2']
    assert nic['chain'] == 'bond0.100 -> bond0 -> eth1, eth2'


def test_targets_share_one_layout_in_order():
    nics = {'bond0.100': {'physical_lower': ['eth1', 'eth2'], 'chain': 'bond0.100 -> bond0 -> eth1, eth2'},
            'eth1': {'queues': [[40, 41], [42, 43]]}, 'eth2': {'queues': [[50], [51], [52]]}, 'eth0': {}}
    targets = steering_targets(nics, ['bond0.100', 'eth0', 'eth1'])
    assert [(t['name'], t['group'], t['offset'], t['total']) for t in targets] == [
        ('eth1', 'bond0.100', 0, 5), ('eth2', 'bond0.100', 2, 5), ('eth0', 'eth0', 0, None)]
    with pytest.raises(PlanError) as err:
        steering_targets(nics, ['bond1'])
    assert 'interface bond1 does not exist; interfaces here: bond0.100, eth0, eth1, eth2' in str(err.value)


def host_of(nodes, cores_per_node):
    cpus = nodes * cores_per_node
    return {'online': '0-%d' % (cpus - 1), 'possible': cpus, 'isolated': '', 'physical': '0-%d' % (cpus - 1),
            'nodes': dict((str(n), '%d-%d' % (n * cores_per_node, (n + 1) * cores_per_node - 1)) for n in range(nodes))}


@pytest.mark.parametrize('nodes, cores, queues, numa_node', [
    (2, 4, 4, None),     # the qemu guests: 8 CPUs on 2 nodes, two 4-queue virtio slaves
    (1, 8, 4, 0),        # two 4-queue slaves on an 8-core node: a queue per core across both
    (1, 16, 4, 0),       # dedicated: 2 IRQ cores for 8 queue vectors
])
def test_two_slaves_spread_over_the_irq_cpus_together(nodes, cores, queues, numa_node):
    topology = host_of(nodes, cores)
    nics = {'bond0': {'physical_lower': ['eth1', 'eth2'], 'chain': 'bond0 -> eth1, eth2'}}
    for n, name in ((1, 'eth1'), (2, 'eth2')):
        nics[name] = {'name': name, 'rx_queues': queues, 'tx_queues': queues, 'numa_node': numa_node,
                      'queues': [[100 * n + q] for q in range(queues)]}
    load = {}
    first = []
    seen_before_second = None
    for target in steering_targets(nics, ['bond0']):
        nic = nics[target['name']]
        plan = steering_plan(topology, nic, share=target)
        assert broken(topology, nic, plan) == []
        assert any('carries bond0 (bond0 -> eth1, eth2)' in reason for reason in plan['reasons'])
        first.append(plan['irq_affinity'][str(nic['queues'][0][0])])
        if seen_before_second is None:
            seen_before_second = set(plan['irq_affinity'].values())
        for cpu in cpus(plan['irq_cpus']):   # the layout's IRQ CPUs, those left without a vector too
            load.setdefault(str(cpu), 0)
        for cpu in plan['irq_affinity'].values():
            load[cpu] = load.get(cpu, 0) + 1
    # every IRQ CPU carries as many of the 8 vectors as any other, give or take one
    assert max(load.values()) - min(load.values()) <= 1
    # the two slaves' queue 0 share a CPU only when the first slave left no IRQ CPU without a vector
    if first[0] == first[1]:
        assert seen_before_second == set(load)


def test_a_groups_devices_take_their_places_in_name_order_not_enslaving_order():
    """A bond lists its slaves in the order they were enslaved: after a reboot or a slave's re-add it
    can be eth10 eth2; the places (and so every IRQ CPU) must not change with it."""
    queues = {'eth2': {'queues': [[1]]}, 'eth10': {'queues': [[2], [3]]}, 'eth9': {'queues': [[4]]}}
    places = []
    for order in (['eth10', 'eth2', 'eth9'], ['eth2', 'eth9', 'eth10'], ['eth9', 'eth10', 'eth2']):
        nics = dict(queues, bond0={'physical_lower': order, 'chain': 'bond0 -> ' + ', '.join(order)})
        places.append([(t['name'], t['offset']) for t in steering_targets(nics, ['bond0'])])
    assert places == [[('eth2', 0), ('eth9', 1), ('eth10', 2)]] * 3
