# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""host_facts on the real kernel, cross-checked against what the kernel does."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import subprocess

from ansible_collections.lowlat.k8snet.plugins.module_utils.cpuset import to_bits
from conftest import read, run_module


def facts(netns=None):
    out = run_module('host_facts', {}, netns=netns)
    assert not out.get('failed') and out['changed'] is False, out
    return out['ansible_facts']['lowlat_k8snet']


def test_topology_matches_sysfs(cpus):
    topo = facts()['topology']
    assert topo['online'] == cpus['online']
    assert topo['possible'] == cpus['possible']
    union = 0
    for node, node_cpus in topo['nodes'].items():
        assert to_bits(node_cpus) == to_bits(read('/sys/devices/system/node/node%s/cpulist' % node))
        union |= to_bits(node_cpus)
    assert union == to_bits(cpus['online'])
    for rec in topo['cpus']:
        if rec['online']:
            assert rec['core'] == int(read('/sys/devices/system/cpu/cpu%d/topology/core_id' % rec['cpu']))


def test_features_agree_with_the_kernel(netns):
    """A feature reported present must be creatable, one reported absent must be refused."""
    kernel = facts()['kernel']
    assert kernel['release'] == read('/proc/sys/kernel/osrelease')
    assert kernel['root_netns'] is True
    probes = {
        'vxlan': ['type', 'vxlan', 'id', '42', 'dstport', '4789'],
        'macvlan': ['link', 'sq0', 'type', 'macvlan'],
        'ipvlan': ['link', 'sq0', 'type', 'ipvlan'],
        'bridge': ['type', 'bridge'],
    }
    for feature, spec in probes.items():
        made = subprocess.run(['ip', '-n', netns.name, 'link', 'add', 'probe-' + feature[:6]] + spec,
                              capture_output=True, text=True, check=False)
        assert (made.returncode == 0) == kernel['features'][feature], \
            (feature, made.stderr, kernel['feature_sources'])


def test_veth_in_a_namespace(netns):
    host = facts(netns.name)
    assert host['kernel']['root_netns'] is False
    assert set(host['nics']) == {'mq0', 'mq1', 'sq0', 'sq1'}
    mq0 = host['nics']['mq0']
    assert (mq0['rx_queues'], mq0['tx_queues'], mq0['irqs'], mq0['virtual']) == (4, 4, [], True)


def test_default_interface_and_its_irqs_match_proc_interrupts():
    host = facts()
    name = host['default_interface']
    assert name, 'this machine has a default route'
    nic = host['nics'][name]
    interrupts = read('/proc/interrupts')
    for irq in nic['irqs']:
        line = [row for row in interrupts.splitlines() if row.strip().startswith('%d:' % irq)]
        assert line, 'IRQ %d not in /proc/interrupts' % irq
        assert (nic['device'] or name) in line[0] or name in line[0]


def test_a_macvlan_names_its_lower_device_and_a_veth_below_is_not_physical(netns):
    """The kernel's lower_<dev> link: a macvlan on sq0 reports sq0 under it; sq0 (a veth) has no device
    of its own, so there is no physical NIC to tune under the macvlan, and it is planned as itself."""
    netns.ip('link', 'add', 'link', 'sq0', 'name', 'mv0', 'type', 'macvlan')
    host = facts(netns.name)
    mv0 = host['nics']['mv0']
    assert mv0['lower'] == ['sq0'] and mv0['physical_lower'] == [] and mv0['chain'] == 'mv0 -> sq0'
    assert host['nics']['sq0']['lower'] == [] and host['nics']['sq0']['chain'] is None
