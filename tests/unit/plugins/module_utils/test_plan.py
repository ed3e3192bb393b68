# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.lowlat.k8snet.plugins.module_utils.plan import PlanError, steering_plan
from ansible_collections.lowlat.k8snet.plugins.module_utils.topology import parse_lscpu
from ansible_collections.lowlat.k8snet.tests.unit.fixture_text import numa_topology, read as fixture
from ansible_collections.lowlat.k8snet.tests.unit.plan_rules import broken, cpus

REQUIRED = ('irq_affinity', 'rps_cpus', 'xps_cpus', 'rps_flow_cnt', 'rps_sock_flow_entries',
            'nginx_worker_cpus', 'loadgen_cpus', 'reasons')


def topo(name, **changes):
    result = parse_lscpu(fixture(name))
    result.update(changes)
    return result


STUDY_NIC = {'name': 'eth0', 'rx_queues': 2, 'tx_queues': 2, 'irqs': [60, 61], 'numa_node': -1}


def test_study_host_gives_the_study_numbers():
    """The study's settings (study.md): IRQs on 0 and 9, rps_cpus 1-8,10-17 on both queues, XPS per
    node, 65536 / 32768, nginx on 0-17; with the study's RPS scope and application CPUs."""
    plan = steering_plan(topo('c4_8xlarge_lscpu.txt'), STUDY_NIC, connections=60000, rps_scope='all',
                         app_cpus_with_irq=True)
    for key in REQUIRED:
        assert key in plan
    assert plan['layout'] == 'dedicated'
    assert plan['irq_affinity'] == {'60': '0', '61': '9'}
    assert plan['rps_cpus'] == {'rx-0': '1-8,10-17', 'rx-1': '1-8,10-17'}
    assert plan['rps_masks'] == {'rx-0': '00000000,0003fdfe', 'rx-1': '00000000,0003fdfe'}
    assert plan['xps_cpus'] == {'tx-0': '0-8,18-26', 'tx-1': '9-17,27-35'}
    assert plan['xps_masks'] == {'tx-0': '00000000,07fc01ff', 'tx-1': '0000000f,f803fe00'}
    assert plan['rps_sock_flow_entries'] == 65536
    assert plan['rps_flow_cnt'] == {'rx-0': 32768, 'rx-1': 32768}
    assert plan['nginx_worker_cpus'] == plan['loadgen_cpus'] == '0-17'
    assert plan['possible_cpus'] == 36
    assert all(isinstance(reason, str) and reason.endswith('.') for reason in plan['reasons'])
    assert broken(topo('c4_8xlarge_lscpu.txt'), STUDY_NIC, plan, rps_scope='all', apps_with_irq=True) == []
    json.dumps(plan)


def test_study_host_by_default_keeps_rps_on_the_node_and_apps_off_the_irq_cores():
    plan = steering_plan(topo('c4_8xlarge_lscpu.txt'), STUDY_NIC)
    assert plan['irq_affinity'] == {'60': '0', '61': '9'}
    assert plan['rps_cpus'] == {'rx-0': '1-8', 'rx-1': '10-17'}
    # the IRQ cores 0 and 9 and their hyperthreads 18 and 27 are left to the NIC
    assert plan['app_cpus'] == plan['nginx_worker_cpus'] == '1-8,10-17'
    assert broken(topo('c4_8xlarge_lscpu.txt'), STUDY_NIC, plan) == []


def test_plan_is_deterministic():
    one = steering_plan(topo('c4_8xlarge_lscpu.txt'), STUDY_NIC)
    two = steering_plan(topo('c4_8xlarge_lscpu.txt'), dict(STUDY_NIC))
    assert json.dumps(one, sort_keys=True) == json.dumps(two, sort_keys=True)


def test_vm2_veth_has_no_irqs_and_rps_stays_off():
    nic = {'name': 'eth0', 'rx_queues': 1, 'tx_queues': 1, 'irqs': [], 'numa_node': None}
    plan = steering_plan(topo('vm2_lscpu.txt'), nic)
    assert plan['layout'] == 'none' and plan['irq_cpus'] == ''
    assert plan['irq_affinity'] == {}
    assert plan['rps_cpus'] == {'rx-0': ''}
    assert plan['rps_flow_cnt'] == {'rx-0': 0}
    assert plan['rps_sock_flow_entries'] == 0
    assert plan['xps_cpus'] == {}
    assert plan['rps_masks'] == {'rx-0': '00000000'}
    assert plan['app_cpus'] == '0-1'
    text = ' '.join(plan['reasons'])
    assert 'processed on the CPU that sent them' in text
    assert 'single tx queue' in text
    assert 'no IRQs of its own' in text


def test_vm2_virtio_one_queue_two_cpus_keeps_its_irq_and_rps_off():
    nic = {'name': 'eth0', 'rx_queues': 1, 'tx_queues': 1, 'irqs': [38, 39], 'queues': [[38, 39]]}
    plan = steering_plan(topo('vm2_lscpu.txt'), nic)
    # setting CPU 0 aside would leave RPS one CPU (< rps_min_cpus 2): queue per core, RPS off
    assert plan['layout'] == 'queue_per_core'
    assert plan['irq_affinity'] == {'38': '0', '39': '0'}
    assert plan['rps_cpus'] == {'rx-0': ''}
    assert any('cut throughput' in r or 'only 1 CPU' in r for r in plan['reasons'])


def test_rps_on_forces_it_even_on_a_small_host():
    nic = {'name': 'eth0', 'rx_queues': 1, 'tx_queues': 1, 'irqs': []}
    plan = steering_plan(topo('vm2_lscpu.txt'), nic, rps='on', connections=1000)
    # no IRQ CPU to leave out: every physical core
    assert plan['rps_cpus'] == {'rx-0': '0-1'}
    assert plan['rps_sock_flow_entries'] == 1024 and plan['rps_flow_cnt'] == {'rx-0': 1024}
    one_irq = steering_plan(topo('vm2_lscpu.txt'), dict(nic, irqs=[38]), rps='on', connections=1000)
    assert one_irq['layout'] == 'dedicated' and one_irq['rps_cpus'] == {'rx-0': '1'}


def test_queue_per_cpu_uses_rss_not_rps():
    topology = parse_lscpu('# CPU,Core,Socket,Node\n' + ''.join('%d,%d,0,0\n' % (c, c) for c in range(8)))
    nic = {'name': 'ens1f0', 'rx_queues': 8, 'tx_queues': 8, 'irqs': list(range(151, 159))}
    plan = steering_plan(topology, nic)
    assert plan['layout'] == 'queue_per_core'
    assert plan['irq_affinity'] == dict((str(151 + i), str(i)) for i in range(8))
    assert set(plan['rps_cpus'].values()) == {''}
    assert plan['xps_cpus'] == dict(('tx-%d' % i, str(i)) for i in range(8))
    assert plan['rps_sock_flow_entries'] == 0
    assert plan['app_cpus'] == '0-7'
    assert any('a queue per core' in reason for reason in plan['reasons'])
    assert broken(topology, nic, plan) == []


def test_256_cpus_8_nodes_unknown_nic_node():
    nic = {'name': 'ens3f0np0', 'rx_queues': 8, 'tx_queues': 8, 'irqs': list(range(81, 89)),
           'numa_node': None}
    topology = topo('epyc_256_lscpu.txt')
    plan = steering_plan(topology, nic, connections=200000)
    # 128 cores, 8 queues: dedicated; one IRQ CPU per 16 cores and at least one per node = 8
    assert plan['layout'] == 'dedicated'
    assert plan['irq_cpus'] == '0,16,32,48,64,80,96,112'
    assert plan['irq_affinity']['81'] == '0' and plan['irq_affinity']['88'] == '112'
    assert plan['rps_cpus']['rx-0'] == '1-15'
    assert plan['rps_cpus']['rx-7'] == '113-127'
    assert plan['xps_cpus']['tx-7'] == '112-127,240-255'
    assert plan['rps_masks']['rx-0'] == ','.join(['00000000'] * 7 + ['0000fffe'])
    assert len(plan['xps_masks']['tx-0'].split(',')) == 8
    assert plan['rps_sock_flow_entries'] == 262144
    assert plan['rps_flow_cnt']['rx-3'] == 32768
    assert broken(topology, nic, plan) == []


def test_nic_on_a_known_node_keeps_irqs_local():
    nic = {'name': 'ens3f0np0', 'rx_queues': 8, 'tx_queues': 8, 'irqs': list(range(81, 89)),
           'numa_node': 1}
    topology = topo('epyc_256_lscpu.txt')
    plan = steering_plan(topology, nic)
    node1 = cpus(topology['nodes']['1'])
    # 16 cores on node 1, 8 queues: two IRQ CPUs (8 queues / 4 each), RPS on the other 14 cores
    assert plan['irq_cpus'] == '16-17'
    assert set(plan['rps_cpus'].values()) == {'18-31'}
    assert set().union(*[cpus(v) for v in plan['xps_cpus'].values()]) == node1
    assert any('attached to NUMA node 1' in reason for reason in plan['reasons'])
    assert broken(topology, nic, plan) == []
    spread = steering_plan(topology, nic, nic_local=False)
    assert spread['irq_cpus'] == '0,16,32,48,64,80,96,112'


def test_isolated_cpus_get_no_irqs_rps_or_workers():
    topology = topo('c4_8xlarge_lscpu.txt', isolated='0-4,18-22')
    plan = steering_plan(topology, STUDY_NIC)
    assert plan['irq_affinity'] == {'60': '5', '61': '9'}
    assert plan['rps_cpus'] == {'rx-0': '6-8', 'rx-1': '10-17'}
    assert plan['nginx_worker_cpus'] == '6-8,10-17'
    assert any('isolated' in reason for reason in plan['reasons'])
    assert broken(topology, STUDY_NIC, plan) == []


def test_offline_cpus_are_left_out_but_mask_width_stays():
    topology = topo('offline_16_lscpu.txt')
    nic = {'name': 'eth0', 'rx_queues': 2, 'tx_queues': 2, 'irqs': [70, 71]}
    plan = steering_plan(topology, nic, rps_min_cpus=1)
    assert plan['irq_affinity'] == {'70': '0', '71': '4'}
    assert plan['rps_cpus'] == {'rx-0': '1-3', 'rx-1': '5,15'}
    assert plan['xps_cpus']['tx-1'] == '4-5,12-13,15'
    assert plan['rps_masks']['rx-1'] == '00008020'
    assert any('6-7,14 are offline' in reason for reason in plan['reasons'])
    assert broken(topology, nic, plan) == []
    wide = steering_plan(topology, nic, possible_cpus=64, rps_min_cpus=1)
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


# Host shapes from public captures (fixtures/SOURCES.md); which threads share a core is the
# kernel's x86 enumeration (CPU c and c + CPUs/2) or POWER9's SMT4 (four consecutive CPUs).
def X86(cpu, count):
    return cpu % (count // 2)


def SMT4(cpu, count):
    return cpu // 4


def nic_of(name, queues, node, first_irq=200):
    return {'name': name, 'rx_queues': queues, 'tx_queues': queues, 'numa_node': node,
            'irqs': list(range(first_irq, first_irq + queues))}


def test_72_cpus_and_a_32_queue_nic_get_a_queue_per_core_on_its_node():
    """The issue's shape: 32 queues used to land on two CPUs with RPS over the rest."""
    topology = numa_topology('xeon6150_72_lscpu.txt', X86)
    nic = nic_of('ens1f0np0', 32, 0)
    plan = steering_plan(topology, nic)
    assert plan['layout'] == 'queue_per_core'
    assert broken(topology, nic, plan) == []
    irq_cpus = [int(plan['irq_affinity'][str(irq)]) for irq in nic['irqs']]
    node0 = cpus(topology['nodes']['0'])
    # scaling.rst: a queue per CPU; the 18 cores of node 0 first, then their other threads, all on node 0
    assert irq_cpus[:18] == list(range(18)) and sorted(irq_cpus[18:]) == list(range(36, 50))
    assert set(irq_cpus) <= node0
    assert set(plan['rps_cpus'].values()) == {''} and plan['rps_sock_flow_entries'] == 0
    assert plan['app_cpus'] == '0-35'
    # each queue's XPS map holds its IRQ CPU; node 1 is left to the hash (XPS of a local NIC stays home)
    for q, cpu in enumerate(irq_cpus):
        assert cpu in cpus(plan['xps_cpus']['tx-%d' % q])


def test_32_cpus_and_an_8_queue_ena_get_two_irq_cores_and_node_local_rps():
    """8 queues on 16 cores: two IRQ cores (4 queue IRQs each at most), RPS on the other 14."""
    topology = numa_topology('xeon6150_72_lscpu.txt', X86)
    # one socket of the 72-CPU host stands for a 32-CPU host: its 18 cores, 16 of them used
    topology = {'online': '0-15,36-51', 'possible': 72, 'isolated': '', 'nodes': {'0': '0-15,36-51'},
                'physical': '0-15', 'siblings': dict((str(c), '%d,%d' % (c % 36, c % 36 + 36))
                                                     for c in list(range(16)) + list(range(36, 52)))}
    nic = nic_of('eth0', 8, None)
    nic['queues'] = [[irq] for irq in nic['irqs']]
    plan = steering_plan(topology, nic)
    assert plan['layout'] == 'dedicated' and plan['irq_cpus'] == '0-1'
    load = {}
    for cpu in plan['irq_affinity'].values():
        load[cpu] = load.get(cpu, 0) + 1
    assert load == {'0': 4, '1': 4}
    assert set(plan['rps_cpus'].values()) == {'2-15'}
    assert plan['app_cpus'] == '2-15'
    assert broken(topology, nic, plan) == []


def test_8_node_epyc_keeps_a_local_nic_on_its_node_and_the_nearest_ones():
    """EPYC 7601: 8 nodes of 8 cores; a 16-queue NIC on node 3 has more queues than its node cores."""
    topology = numa_topology('epyc7601_numactl.txt', X86)
    nic = nic_of('ens3f0', 16, 3)
    plan = steering_plan(topology, nic)
    assert plan['layout'] == 'queue_per_core'
    assert broken(topology, nic, plan) == []
    irq_nodes = set(int(node) for cpu in plan['irq_affinity'].values() for node, text in
                    topology['nodes'].items() if int(cpu) in cpus(text))
    # node 3's 8 cores, then the nearest node of the same socket (distance 16), never the far socket
    distances = topology['distances']['3']
    assert 3 in irq_nodes and all(distances[str(node)] == min(d for n, d in distances.items() if n != '3')
                                  for node in irq_nodes - {3})
    assert not irq_nodes & {4, 5, 6, 7}
    assert set().union(*[cpus(v) for v in plan['xps_cpus'].values()]) == cpus(topology['nodes']['3'])


def test_8_node_epyc_rps_of_a_full_node_goes_to_the_nearest_nodes_not_all():
    topology = numa_topology('epyc7601_numactl.txt', X86)
    nic = nic_of('ens3f0', 4, 3)
    # every core of node 3 handling IRQs: RPS must go to the nearest nodes, and say so
    plan = steering_plan(topology, nic, irq_cpus='24-31')
    used = set().union(*[cpus(v) for v in plan['rps_cpus'].values()])
    nodes = set(int(node) for node, text in topology['nodes'].items() if used & cpus(text))
    assert nodes == {0, 1, 2}   # distance 16, same socket; 4-7 are at 32
    # the reasons say where RPS went and that it is not node-local
    assert any('Node 3 has no core left for RPS' in reason and 'node(s) 0, 1, 2' in reason and 'distance 16' in reason
               and 'not node-local' in reason for reason in plan['reasons'])


def test_epyc_nps4_with_a_nic_of_unknown_node_is_the_study_shape_on_8_nodes():
    topology = numa_topology('epyc_nps4_numactl.txt', X86)
    nic = nic_of('eth0', 8, None)
    plan = steering_plan(topology, nic)
    assert plan['layout'] == 'dedicated'
    firsts = [min(cpus(topology['nodes'][str(node)])) for node in range(8)]
    assert [int(plan['irq_affinity'][str(irq)]) for irq in nic['irqs']] == firsts
    assert broken(topology, nic, plan) == []


def test_power9_with_node_ids_0_and_8():
    topology = numa_topology('power9_nodes_0_8_numactl.txt', SMT4)
    nic = nic_of('enP5p1s0f0', 4, 8)
    plan = steering_plan(topology, nic)
    assert plan['layout'] == 'dedicated'
    assert set(int(cpu) for cpu in plan['irq_affinity'].values()) <= cpus(topology['nodes']['8'])
    # one thread per SMT4 core: the IRQ CPUs and RPS CPUs are multiples of 4
    assert all(int(cpu) % 4 == 0 for cpu in plan['irq_affinity'].values())
    assert all(cpu % 4 == 0 for cpu in cpus(plan['rps_cpus']['rx-0']))
    assert broken(topology, nic, plan) == []


def test_layout_policy_can_be_forced_and_is_named():
    topology = topo('c4_8xlarge_lscpu.txt')
    per_core = steering_plan(topology, STUDY_NIC, layout='queue_per_core')
    assert per_core['layout'] == 'queue_per_core' and set(per_core['rps_cpus'].values()) == {''}
    assert per_core['irq_affinity'] == {'60': '0', '61': '9'}   # one core per node, round-robin
    assert any('Layout queue_per_core, set by policy' in reason for reason in per_core['reasons'])
    with pytest.raises(PlanError) as err:
        steering_plan(topology, STUDY_NIC, layout='rss')
    assert "layout 'rss' is not valid; use one of: auto, queue_per_core, dedicated" in str(err.value)


def test_the_rule_checker_catches_a_broken_plan():
    """broken() must be able to fail: the same plan with XPS maps overlapping, RPS on an IRQ core
    and an application CPU on an IRQ core."""
    topology = topo('c4_8xlarge_lscpu.txt')
    plan = steering_plan(topology, STUDY_NIC)
    bad = json.loads(json.dumps(plan))
    bad['xps_cpus']['tx-1'] = '8-17,27-35'
    bad['rps_cpus']['rx-0'] = '0-8'
    bad['app_cpus'] = '0-8'
    wrong = broken(topology, STUDY_NIC, bad)
    assert any('in another tx queue' in w for w in wrong)
    assert any('RPS on IRQ cores' in w for w in wrong)
    assert any('application CPUs' in w for w in wrong)


def with_channels(nic, current, maximum):
    nic = dict(nic, rx_queues=current, tx_queues=current, irqs=list(range(300, 300 + current)))
    nic['channels'] = {'max': {'rx': None, 'tx': None, 'other': None, 'combined': maximum},
                       'current': {'rx': None, 'tx': None, 'other': None, 'combined': current}}
    return nic


@pytest.mark.parametrize('shape, node, current, maximum, layout, want', [
    # the study's host: ixgbevf at its maximum of 2 -> dedicated, one queue per IRQ CPU (0 and 9): kept
    ('study', None, 2, 2, 'dedicated', None),
    # 72 CPUs, a 63-channel NIC at 32 on node 0 (18 cores): one queue per core
    ('xeon', 0, 32, 63, 'queue_per_core', 18),
    # 32 CPUs (16 cores), ENA at its maximum of 8: dedicated, one IRQ core per 16 cores -> 1 channel
    ('ena', None, 8, 8, 'dedicated', 1),
])
def test_channels_auto_is_what_the_layout_wants_and_a_replan_keeps_it(shape, node, current, maximum, layout, want):
    topology = {'study': lambda: topo('c4_8xlarge_lscpu.txt'),
                'xeon': lambda: numa_topology('xeon6150_72_lscpu.txt', X86),
                'ena': lambda: {'online': '0-15,36-51', 'possible': 72, 'isolated': '', 'nodes': {'0': '0-15,36-51'},
                                'physical': '0-15', 'siblings': dict((str(c), '%d,%d' % (c % 36, c % 36 + 36))
                                                                     for c in list(range(16)) + list(range(36, 52)))},
                }[shape]()
    nic = with_channels(dict(STUDY_NIC, numa_node=node), current, maximum)
    plan = steering_plan(topology, nic, channels='auto')
    assert plan['layout'] == layout
    assert plan['channels'] == ({'combined': want} if want else {})
    if want:
        again = steering_plan(topology, with_channels(nic, want, maximum), channels='auto')
        assert again['channels'] == {} and again['layout'] == layout
        assert broken(topology, with_channels(nic, want, maximum), again) == []
    assert steering_plan(topology, nic)['channels'] == {}   # keep, the default


def test_channels_beyond_the_maximum_or_unchangeable():
    nic = with_channels(STUDY_NIC, 2, 2)
    with pytest.raises(PlanError) as err:
        steering_plan(topo('c4_8xlarge_lscpu.txt'), nic, channels=4)
    assert 'channels 4: eth0 supports at most 2 combined channels' in str(err.value)
    with pytest.raises(PlanError) as err:
        steering_plan(topo('c4_8xlarge_lscpu.txt'), nic, channels='many')
    assert "channels 'many' is not valid; use keep, auto or a number" in str(err.value)
    fixed = steering_plan(topo('c4_8xlarge_lscpu.txt'), STUDY_NIC, channels='auto')
    assert fixed['channels'] == {} and any('reports no channel counts' in r for r in fixed['reasons'])
    assert steering_plan(topo('c4_8xlarge_lscpu.txt'), nic, channels='1')['channels'] == {'combined': 1}


def test_node_ids_0_2_3_after_a_node_went_offline():
    """Socket 0 of the NPS4 EPYC (nodes 0-3) with node 1's CPUs taken offline: node ids 0, 2, 3.
    A NIC on node 2 stays there; with every core of node 2 handling IRQs its RPS goes to nodes 0
    and 3 (distance 12), the nearest with cores left."""
    full = numa_topology('epyc_nps4_numactl.txt', X86)
    keep = set()
    for node in ('0', '2', '3'):
        keep |= cpus(full['nodes'][node])
    span = ','.join(str(cpu) for cpu in sorted(keep))
    topology = {'online': span, 'possible': full['possible'], 'isolated': '',
                'nodes': dict((node, full['nodes'][node]) for node in ('0', '2', '3')),
                'physical': ','.join(str(cpu) for cpu in sorted(cpus(full['physical']) & keep)),
                'siblings': dict((cpu, text) for cpu, text in full['siblings'].items() if int(cpu) in keep),
                'distances': dict((node, dict((other, d) for other, d in row.items() if other in ('0', '2', '3')))
                                  for node, row in full['distances'].items() if node in ('0', '2', '3'))}
    nic = nic_of('ens2f0', 4, 2)
    plan = steering_plan(topology, nic)
    assert plan['layout'] == 'dedicated'
    assert set(int(cpu) for cpu in plan['irq_affinity'].values()) <= cpus(topology['nodes']['2'])
    assert broken(topology, nic, plan) == []
    node2_cores = ','.join(str(cpu) for cpu in sorted(cpus(topology['nodes']['2']) & cpus(topology['physical'])))
    full_node = steering_plan(topology, nic, irq_cpus=node2_cores)
    used = set().union(*[cpus(v) for v in full_node['rps_cpus'].values()])
    assert used and used <= cpus(topology['nodes']['0']) | cpus(topology['nodes']['3'])
    assert used & cpus(topology['nodes']['0']) and used & cpus(topology['nodes']['3'])


def test_dedicated_irq_cores_are_counted_from_cores_and_queues_and_leave_rps_a_core():
    topology = numa_topology('xeon6150_72_lscpu.txt', X86)
    # 4 queues on node 0's 18 cores: ceil(18 / 16) = 2 IRQ cores (not 18 // 16 = 1)
    plan = steering_plan(topology, nic_of('eth0', 4, 0))
    assert plan['layout'] == 'dedicated' and plan['irq_cpus'] == '0-1'
    # asked for as many IRQ cores as the node has: one is still left for RPS
    every = steering_plan(topology, nic_of('eth0', 4, 0), layout='dedicated', irq_cpus_per_node=18)
    assert len(cpus(every['irq_cpus'])) == 4   # never more IRQ cores than queues
    many = steering_plan(topology, nic_of('eth0', 40, 0), layout='dedicated', irq_cpus_per_node=18, rps_min_cpus=1)
    assert len(cpus(many['irq_cpus'])) == 17 and set(many['rps_cpus'].values()) == {'17'}


def test_rps_leaves_out_the_whole_core_of_an_irq_cpu_given_as_a_hyperthread():
    topology = topo('c4_8xlarge_lscpu.txt')
    plan = steering_plan(topology, STUDY_NIC, irq_cpus='18,27')   # the second threads of cores 0 and 9
    assert plan['rps_cpus'] == {'rx-0': '1-8', 'rx-1': '10-17'}
    assert broken(topology, STUDY_NIC, plan) == []


def test_an_even_xps_share_for_eight_queues_on_two_irq_cores():
    topology = {'online': '0-31', 'possible': 32, 'isolated': '', 'nodes': {'0': '0-31'}, 'physical': '0-15',
                'siblings': dict((str(c), '%d,%d' % (c % 16, c % 16 + 16)) for c in range(32))}
    nic = nic_of('eth0', 8, None)
    plan = steering_plan(topology, nic)
    sizes = [len(cpus(plan['xps_cpus']['tx-%d' % q])) for q in range(8)]
    assert sizes == [4] * 8   # 16 cores / 8 queues = 2 cores, 4 threads each
    assert broken(topology, nic, plan) == []


def test_channels_auto_for_dedicated_counts_irq_cores_by_cores_not_by_queues():
    topology = numa_topology('xeon6150_72_lscpu.txt', X86)
    nic = with_channels(nic_of('eth0', 12, 0), 12, 12)
    plan = steering_plan(topology, nic, channels='auto')
    # 12 queues < 18 cores: dedicated; ceil(18 / 16) = 2 IRQ cores -> 2 channels (3 IRQ cores today
    # only because 12 queues / 4 per IRQ CPU)
    assert plan['layout'] == 'dedicated' and plan['irq_cpus'] == '0-2'
    assert plan['channels'] == {'combined': 2}


def test_reserved_cpus_take_irqs_rps_and_workers_and_pods_keep_the_rest():
    topology = topo('c4_8xlarge_lscpu.txt')
    reserved = '0-3,9-12,18-21,27-30'
    plan = steering_plan(topology, STUDY_NIC, reserved_cpus=reserved)
    assert plan['irq_affinity'] == {'60': '0', '61': '9'}
    assert plan['rps_cpus'] == {'rx-0': '1-3', 'rx-1': '10-12'}
    assert plan['app_cpus'] == '1-3,10-12'
    used = set()
    sets = list(plan['rps_cpus'].values()) + list(plan['xps_cpus'].values()) + [plan['app_cpus'], plan['irq_cpus']]
    for text in sets:
        used |= cpus(text)
    assert used <= cpus(reserved)
    assert any('left to pods' in reason and '4-8' in reason for reason in plan['reasons'])
    assert cpus(plan['irqbalance_banned_cpus']) == cpus('0-35') - cpus(reserved) | cpus('0,9')


def test_nohz_full_and_cgroup_isolated_cpus_are_left_out_and_named():
    topology = topo('c4_8xlarge_lscpu.txt', isolation={'nohz_full': '1-4', 'cgroup_isolated': '10-11',
                                                       'isolcpus': '5', 'isolcpus_flags': 'managed_irq,domain'})
    plan = steering_plan(topology, STUDY_NIC)
    # one housekeeping thread per core: where a core's first thread is isolated, its sibling stands in
    assert plan['rps_cpus'] == {'rx-0': '6-8,19-23', 'rx-1': '12-17,28-29'}
    assert not cpus(plan['app_cpus']) & cpus('1-5,10-11')
    assert broken(topology, STUDY_NIC, plan) == []
    # irqbalance's ban list: our IRQ CPUs and every isolated CPU (setting it replaces irqbalance's own ban)
    assert cpus(plan['irqbalance_banned_cpus']) == cpus('0,9') | cpus('1-5,10-11')
    text = ' '.join(plan['reasons'])
    assert 'nohz_full 1-4' in text and 'cgroup_isolated 10-11' in text and 'isolcpus (managed_irq,domain) 5' in text


@pytest.mark.parametrize('kwargs, nic, words', [
    ({'reserved_cpus': '0-3,40'}, STUDY_NIC, "reserved_cpus '0-3,40': CPUs 40 are not online; online CPUs are 0-35"),
    ({'reserved_cpus': '0-3'}, dict(STUDY_NIC, numa_node=1),
     'reserved_cpus 0-3 has no CPU on NUMA node 1, where eth0 is attached (its CPUs: 9-17,27-35)'),
])
def test_bad_reserved_sets_are_named(kwargs, nic, words):
    with pytest.raises(PlanError) as err:
        steering_plan(topo('c4_8xlarge_lscpu.txt'), nic, **kwargs)
    assert words in str(err.value)


def test_every_cpu_isolated_or_outside_the_reserved_set_is_refused():
    with pytest.raises(PlanError) as err:
        steering_plan(topo('c4_8xlarge_lscpu.txt', isolation={'nohz_full': '0-35'}), STUDY_NIC)
    assert 'every online CPU (0-35) is isolated' in str(err.value)
    with pytest.raises(PlanError) as err:
        steering_plan(topo('c4_8xlarge_lscpu.txt', isolation={'nohz_full': '0-3'}), STUDY_NIC, reserved_cpus='0-3')
    assert 'or outside reserved_cpus 0-3' in str(err.value)


def _mask_of(cpu_set, words):
    """A kernel mask of `words` 32-bit words, written out here rather than through cpuset."""
    value = sum(1 << cpu for cpu in cpu_set)
    return ','.join('%08x' % (value >> (32 * word) & 0xffffffff) for word in reversed(range(words)))


@pytest.mark.parametrize('reserved, isolation, expected', [
    # no reservation, nothing isolated: pods' packets may go to every online CPU
    (None, {}, set(range(36))),
    # kubelet's reservedSystemCPUs: only there
    ('0-3,9-12,18-21,27-30', {}, cpus('0-3,9-12,18-21,27-30')),
    # isolated CPUs never, even when reserved
    ('0-3,9-12', {'nohz_full': '1-2', 'isolcpus': '10'}, cpus('0,3,9,11-12')),
])
def test_pod_rps_cpus_are_the_housekeeping_cpus(reserved, isolation, expected):
    topology = topo('c4_8xlarge_lscpu.txt', isolation=isolation) if isolation else topo('c4_8xlarge_lscpu.txt')
    plan = steering_plan(topology, STUDY_NIC, reserved_cpus=reserved)
    assert cpus(plan['pod_rps_cpus']) == expected
    assert plan['pod_rps_mask'] == _mask_of(expected, 2)
    # the same whatever the interface: it is for the namespace, not for a NIC
    other = steering_plan(topology, dict(STUDY_NIC, name='eth1', irqs=[70, 71], numa_node=0), reserved_cpus=reserved)
    assert (other['pod_rps_cpus'], other['pod_rps_mask']) == (plan['pod_rps_cpus'], plan['pod_rps_mask'])
