# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.lowlat.k8snet.plugins.module_utils.plan import PlanError, steering_plan
from ansible_collections.lowlat.k8snet.plugins.module_utils.topology import parse_lscpu
from ansible_collections.lowlat.k8snet.tests.unit.fixture_text import read as fixture

REQUIRED = ('irq_affinity', 'rps_cpus', 'xps_cpus', 'rps_flow_cnt', 'rps_sock_flow_entries',
            'nginx_worker_cpus', 'loadgen_cpus', 'reasons')


def topo(name, **changes):
    result = parse_lscpu(fixture(name))
    result.update(changes)
    return result


STUDY_NIC = {'name': 'eth0', 'rx_queues': 2, 'tx_queues': 2, 'irqs': [60, 61], 'numa_node': -1}


def test_study_host_gives_the_study_numbers():
    plan = steering_plan(topo('c4_8xlarge_lscpu.txt'), STUDY_NIC, connections=60000)
    for key in REQUIRED:
        assert key in plan
    assert plan['irq_affinity'] == {'60': '0', '61': '9'}
    # kernel guidance: each queue's RPS CPUs in its IRQ CPU's node, minus the IRQ CPUs
    assert plan['rps_cpus'] == {'rx-0': '1-8', 'rx-1': '10-17'}
    assert plan['xps_cpus'] == {'tx-0': '0-8,18-26', 'tx-1': '9-17,27-35'}
    assert plan['xps_masks'] == {'tx-0': '00000000,07fc01ff', 'tx-1': '0000000f,f803fe00'}
    assert plan['rps_sock_flow_entries'] == 65536
    assert plan['rps_flow_cnt'] == {'rx-0': 32768, 'rx-1': 32768}
    assert plan['nginx_worker_cpus'] == '0-17'
    assert plan['loadgen_cpus'] == '0-17'
    assert plan['possible_cpus'] == 36
    assert all(isinstance(reason, str) and reason.endswith('.') for reason in plan['reasons'])
    json.dumps(plan)


def test_study_literal_scope_all():
    plan = steering_plan(topo('c4_8xlarge_lscpu.txt'), STUDY_NIC, rps_scope='all')
    assert plan['rps_cpus'] == {'rx-0': '1-8,10-17', 'rx-1': '1-8,10-17'}
    assert plan['rps_masks'] == {'rx-0': '00000000,0003fdfe', 'rx-1': '00000000,0003fdfe'}


def test_plan_is_deterministic():
    one = steering_plan(topo('c4_8xlarge_lscpu.txt'), STUDY_NIC)
    two = steering_plan(topo('c4_8xlarge_lscpu.txt'), dict(STUDY_NIC))
    assert json.dumps(one, sort_keys=True) == json.dumps(two, sort_keys=True)


def test_vm2_veth_turns_rps_and_rfs_off():
    nic = {'name': 'eth0', 'rx_queues': 1, 'tx_queues': 1, 'irqs': [], 'numa_node': None}
    plan = steering_plan(topo('vm2_lscpu.txt'), nic)
    assert plan['irq_affinity'] == {}
    assert plan['rps_cpus'] == {'rx-0': ''}
    assert plan['rps_flow_cnt'] == {'rx-0': 0}
    assert plan['rps_sock_flow_entries'] == 0
    assert plan['xps_cpus'] == {}
    assert plan['rps_masks'] == {'rx-0': '00000000'}
    text = ' '.join(plan['reasons'])
    assert 'cut throughput by a third' in text
    assert 'single tx queue' in text
    assert 'no IRQs of its own' in text


def test_vm2_virtio_pins_both_vectors_of_a_queue_together():
    nic = {'name': 'eth0', 'rx_queues': 1, 'tx_queues': 1, 'irqs': [38, 39], 'queues': [[38, 39]]}
    plan = steering_plan(topo('vm2_lscpu.txt'), nic)
    assert plan['irq_affinity'] == {'38': '0', '39': '0'}
    assert plan['rps_cpus'] == {'rx-0': ''}


def test_rps_on_forces_it_even_on_a_small_host():
    nic = {'name': 'eth0', 'rx_queues': 1, 'tx_queues': 1, 'irqs': []}
    plan = steering_plan(topo('vm2_lscpu.txt'), nic, rps='on', connections=1000)
    assert plan['rps_cpus'] == {'rx-0': '1'}
    assert plan['rps_sock_flow_entries'] == 1024 and plan['rps_flow_cnt'] == {'rx-0': 1024}


def test_queue_per_cpu_uses_rss_not_rps():
    topology = parse_lscpu('# CPU,Core,Socket,Node\n' + ''.join('%d,%d,0,0\n' % (c, c) for c in range(8)))
    nic = {'name': 'ens1f0', 'rx_queues': 8, 'tx_queues': 8, 'irqs': list(range(151, 159))}
    plan = steering_plan(topology, nic)
    assert plan['irq_affinity'] == dict((str(151 + i), str(i)) for i in range(8))
    assert set(plan['rps_cpus'].values()) == {''}
    assert plan['xps_cpus'] == dict(('tx-%d' % i, str(i)) for i in range(8))
    assert plan['rps_sock_flow_entries'] == 0
    assert any('a queue per CPU already' in reason for reason in plan['reasons'])


def test_256_cpus_8_nodes_unknown_nic_node():
    nic = {'name': 'ens3f0np0', 'rx_queues': 8, 'tx_queues': 8, 'irqs': list(range(81, 89)),
           'numa_node': None}
    plan = steering_plan(topo('epyc_256_lscpu.txt'), nic, connections=200000)
    assert plan['irq_cpus'] == '0,16,32,48,64,80,96,112'
    assert plan['irq_affinity']['81'] == '0' and plan['irq_affinity']['88'] == '112'
    assert plan['rps_cpus']['rx-0'] == '1-15'
    assert plan['rps_cpus']['rx-7'] == '113-127'
    assert plan['xps_cpus']['tx-7'] == '112-127,240-255'
    assert plan['rps_masks']['rx-0'] == ','.join(['00000000'] * 7 + ['0000fffe'])
    assert len(plan['xps_masks']['tx-0'].split(',')) == 8
    assert plan['rps_sock_flow_entries'] == 262144
    assert plan['rps_flow_cnt']['rx-3'] == 32768
    assert plan['nginx_worker_cpus'] == '0-127'


def test_nic_on_a_known_node_keeps_irqs_local():
    nic = {'name': 'ens3f0np0', 'rx_queues': 8, 'tx_queues': 8, 'irqs': list(range(81, 89)),
           'numa_node': 1}
    plan = steering_plan(topo('epyc_256_lscpu.txt'), nic)
    assert plan['irq_cpus'] == '16-23'
    assert set(plan['rps_cpus'].values()) == {'24-31'}
    assert any('attached to NUMA node 1' in reason for reason in plan['reasons'])
    spread = steering_plan(topo('epyc_256_lscpu.txt'), nic, nic_local=False)
    assert spread['irq_cpus'] == '0,16,32,48,64,80,96,112'


def test_isolated_cpus_get_no_irqs_rps_or_workers():
    topology = topo('c4_8xlarge_lscpu.txt', isolated='0-4,18-22')
    plan = steering_plan(topology, STUDY_NIC)
    assert plan['irq_affinity'] == {'60': '5', '61': '9'}
    assert plan['rps_cpus'] == {'rx-0': '6-8', 'rx-1': '10-17'}
    assert plan['nginx_worker_cpus'] == '5-17'
    assert any('isolated' in reason for reason in plan['reasons'])


def test_offline_cpus_are_left_out_but_mask_width_stays():
    topology = topo('offline_16_lscpu.txt')
    plan = steering_plan(topology, {'name': 'eth0', 'rx_queues': 2, 'tx_queues': 2, 'irqs': [70, 71]},
                         rps_min_cpus=1)
    assert plan['irq_affinity'] == {'70': '0', '71': '4'}
    assert plan['rps_cpus'] == {'rx-0': '1-3', 'rx-1': '5,15'}
    assert plan['xps_cpus']['tx-1'] == '4-5,12-13,15'
    assert plan['rps_masks']['rx-1'] == '00008020'
    assert any('6-7,14 are offline' in reason for reason in plan['reasons'])
    wide = steering_plan(topology, {'name': 'eth0', 'rx_queues': 2, 'tx_queues': 2},
                         possible_cpus=64, rps_min_cpus=1)
    assert wide['rps_masks']['rx-1'] == '00000000,00008020'


def test_rfs_rounds_per_queue_and_can_be_off():
    topology = topo('c4_8xlarge_lscpu.txt')
    nic = dict(STUDY_NIC, rx_queues=3, irqs=[60, 61, 62])
    plan = steering_plan(topology, nic, connections=60000)
    assert plan['rps_sock_flow_entries'] == 65536
    assert set(plan['rps_flow_cnt'].values()) == {32768}   # 65536 / 3 rounded up as the kernel does
    off = steering_plan(topology, STUDY_NIC, connections=0)
    assert off['rps_sock_flow_entries'] == 0 and set(off['rps_flow_cnt'].values()) == {0}
    huge = steering_plan(topology, STUDY_NIC, connections=10 ** 10)
    assert huge['rps_sock_flow_entries'] == 1 << 29


def test_explicit_irq_cpus_and_two_per_node():
    topology = topo('c4_8xlarge_lscpu.txt')
    nic = dict(STUDY_NIC, rx_queues=4, tx_queues=4, irqs=[60, 61, 62, 63])
    plan = steering_plan(topology, nic, irq_cpus_per_node=2)
    assert plan['irq_affinity'] == {'60': '0', '61': '9', '62': '1', '63': '10'}
    assert plan['rps_cpus']['rx-0'] == '2-8'
    explicit = steering_plan(topology, STUDY_NIC, irq_cpus='17,35')
    assert explicit['irq_affinity'] == {'60': '17', '61': '35'}


@pytest.mark.parametrize('kwargs, words', [
    ({'rps_scope': 'numa'}, "rps_scope 'numa' is not valid; use one of: node, all"),
    ({'connections': True}, 'connections must be an integer'),
    ({'connections': -1}, 'connections must be an integer >= 0'),
    ({'rps': 'maybe'}, "rps 'maybe' is not valid"),
    ({'irq_cpus': '40'}, 'CPUs 40 are not online'),
    ({'irq_cpus': 'x'}, 'not a CPU number'),
    ({'nic_local': 'yes'}, 'nic_local must be true or false'),
    ({'possible_cpus': 8}, 'smaller than the online CPUs'),
])
def test_bad_policy_is_named(kwargs, words):
    with pytest.raises(PlanError) as err:
        steering_plan(topo('c4_8xlarge_lscpu.txt'), STUDY_NIC, **kwargs)
    assert words in str(err.value)


@pytest.mark.parametrize('topology, nic, words', [
    ({'online': '0-1'}, STUDY_NIC, 'topology lacks possible, nodes, physical'),
    ('0-3', STUDY_NIC, 'topology must be the dict'),
    (None, {'rx_queues': 2}, 'nic.name must be the interface name'),
    (None, dict(STUDY_NIC, rx_queues=0), 'rx_queues must be an integer >= 1'),
    (None, dict(STUDY_NIC, irqs='60'), 'irqs must be a list'),
    (None, dict(STUDY_NIC, irqs=[True]), 'IRQ must be an integer'),
])
def test_bad_topology_or_nic_is_named(topology, nic, words):
    with pytest.raises(PlanError) as err:
        steering_plan(topology if topology is not None else topo('c4_8xlarge_lscpu.txt'), nic)
    assert words in str(err.value)


def test_facts_shaped_topology_with_string_keys():
    topology = {'online': '0-3', 'possible': 4, 'isolated': '', 'physical': '0-3',
                'nodes': {'0': '0-1', '1': [2, 3]}}
    plan = steering_plan(topology, {'name': 'eth0', 'rx_queues': 2, 'tx_queues': 2, 'irqs': ['5', 6]},
                         rps_min_cpus=1)
    assert plan['irq_affinity'] == {'5': '0', '6': '2'}
    assert plan['rps_cpus'] == {'rx-0': '1', 'rx-1': '3'}


def test_a_hole_in_the_possible_cpus_is_neither_offline_nor_refused():
    from ansible_collections.lowlat.k8snet.plugins.module_utils.topology import build
    # possible and online 0-3,8-11, two nodes: the masks are 12 bits wide, CPU 11 gets work, and no
    # CPU is called offline (4-7 do not exist)
    records = [{'cpu': c, 'core': c, 'socket': 0 if c < 8 else 1, 'node': 0 if c < 8 else 1, 'online': True}
               for c in (0, 1, 2, 3, 8, 9, 10, 11)]
    nic = {'name': 'eth0', 'rx_queues': 2, 'tx_queues': 2, 'irqs': [60, 61], 'numa_node': -1}
    plan = steering_plan(build(records), nic, connections=0)
    assert plan['possible_cpus'] == 11 + 1
    assert not any('offline' in reason for reason in plan['reasons']), plan['reasons']
    used = set()
    for cpus in plan['rps_cpus'].values():
        used |= set(int(c) for part in cpus.split(',') if part for c in
                    (range(int(part.split('-')[0]), int(part.split('-')[-1]) + 1)))
    assert 11 in used and not used & {4, 5, 6, 7}
