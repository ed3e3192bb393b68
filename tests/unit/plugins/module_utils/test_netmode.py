# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.lowlat.k8snet.plugins.module_utils.netmode import allocate_subnets, network_mode_plan

LAB_KERNEL = {'kernel': '6.18.44',
              'features': {'bridge': True, 'veth': True, 'vxlan': True, 'macvlan': True, 'ipvlan': False}}
NODES = {'node1': dict(LAB_KERNEL, address='10.89.7.11'), 'node2': dict(LAB_KERNEL, address='10.89.7.12')}
FLANNEL = {'type': 'flannel', 'flannel_backend': 'vxlan', 'cluster_cidr': '10.244.0.0/16'}


def test_flannel_host_gw_gets_a_subnet_per_node():
    plan = network_mode_plan({'type': 'flannel', 'flannel_backend': 'host-gw', 'cluster_cidr': '10.244.0.0/16',
                              'subnet_len': 24}, NODES)
    assert plan == {'pod_subnets': {'node1': '10.244.0.0/24', 'node2': '10.244.1.0/24'},
                    'pod_ranges': {'node1': {'start': '10.244.0.2', 'end': '10.244.0.254'},
                                   'node2': {'start': '10.244.1.2', 'end': '10.244.1.254'}},
                    'addresses': {'node1': '10.89.7.11', 'node2': '10.89.7.12'},
                    'peers': {'node1': [{'name': 'node2', 'subnet': '10.244.1.0/24', 'address': '10.89.7.12'}],
                              'node2': [{'name': 'node1', 'subnet': '10.244.0.0/24', 'address': '10.89.7.11'}]},
                    'errors': []}


def test_fixed_subnets_are_kept_and_skipped_by_the_allocation():
    nodes = {'a': dict(LAB_KERNEL, pod_subnet='10.244.0.0/24'), 'b': dict(LAB_KERNEL), 'c': dict(LAB_KERNEL)}
    plan = network_mode_plan({'type': 'macvlan', 'cluster_cidr': '10.244.0.0/16', 'subnet_len': 24}, nodes)
    assert plan['pod_subnets'] == {'a': '10.244.0.0/24', 'b': '10.244.1.0/24', 'c': '10.244.2.0/24'}


def test_ipvlan_on_a_kernel_without_it_names_host_kernel_and_feature():
    plan = network_mode_plan({'type': 'ipvlan', 'ipvlan_mode': 'l2', 'cluster_cidr': '10.244.0.0/16'}, NODES)
    assert plan['errors'] == ['host node1 (kernel 6.18.44) lacks ipvlan, which network mode ipvlan needs',
                              'host node2 (kernel 6.18.44) lacks ipvlan, which network mode ipvlan needs']


@pytest.mark.parametrize('settings, nodes, words', [
    ({'type': 'calico'}, NODES, "network_mode_type 'calico' is not valid"),
    ({'type': 'flannel', 'flannel_backend': 'udp', 'cluster_cidr': '10.244.0.0/16'}, NODES,
     "network_mode_flannel_backend 'udp' is not valid"),
    ({'type': 'ipvlan', 'ipvlan_mode': 'l4', 'cluster_cidr': '10.244.0.0/16'}, NODES, "ipvlan_mode 'l4'"),
    ({'type': 'flannel', 'flannel_backend': 'aws-vpc', 'cluster_cidr': '10.0.0.0/8'},
     dict(('n%d' % i, LAB_KERNEL) for i in range(51)), 'at most 50 routes: 51 nodes'),
    ({'type': 'flannel', 'flannel_backend': 'vxlan', 'cluster_cidr': '10.244.0.0/16'},
     {'old': {'kernel': '3.10.0', 'features': {'bridge': True, 'veth': True}}}, 'host old (kernel 3.10.0) lacks vxlan'),
    ({'type': 'ipvlan', 'ipvlan_mode': 'l3s', 'cluster_cidr': '10.244.0.0/16'},
     {'old': {'kernel': '4.4.0', 'features': {'ipvlan': True}}}, 'ipvlan l3s needs kernel 4.9'),
    ({'type': 'macvlan', 'cluster_cidr': '10.244.0.0/16'},
     {'a': dict(LAB_KERNEL, pod_subnet='10.244.0.0/24'), 'b': dict(LAB_KERNEL, pod_subnet='10.244.0.128/25')},
     'pod subnets of a (10.244.0.0/24) and b (10.244.0.128/25) overlap'),
    ({'type': 'macvlan', 'cluster_cidr': '10.244.0.0/16'}, {'a': dict(LAB_KERNEL, pod_subnet='10.9.0.0/24')},
     'outside the cluster range'),
    ({'type': 'macvlan', 'cluster_cidr': '10.244.0.0/30', 'subnet_len': 31}, dict((n, LAB_KERNEL) for n in 'abc'),
     'no free /31 left for c'),
    ({'type': 'flannel', 'flannel_backend': 'vxlan', 'flannel_engine': 'calicoctl', 'cluster_cidr': '10.244.0.0/16'},
     NODES, "network_mode_flannel_engine 'calicoctl' is not valid; use one of: static, flanneld, kubernetes"),
    (dict(FLANNEL, flannel_engine='flanneld'), NODES, 'set network_mode_flanneld_url and network_mode_flanneld_checksum'),
    (dict(FLANNEL, flannel_engine='flanneld', flanneld_url='https://example.invalid/flanneld'), NODES,
     'network_mode_flanneld_url https://example.invalid/flanneld needs network_mode_flanneld_checksum'),
    (dict(FLANNEL, flannel_engine='flanneld', flanneld_start=False), {'n1': dict(LAB_KERNEL, pods=['p'])},
     'pods on n1 need a running flanneld'),
    (dict(FLANNEL, flannel_engine='kubernetes'), {'n1': dict(LAB_KERNEL, pods=['p']), 'n2': dict(LAB_KERNEL)},
     'network_mode_pods must be empty on n1'),
    (dict(FLANNEL, flannel_backend='aws-vpc', aws_region='eu-west-1'),
     {'n1': dict(LAB_KERNEL, aws_instance_id='i-1'), 'n2': dict(LAB_KERNEL)},
     'network_mode_aws_instance_id is not set for n2'),
    (dict(FLANNEL, flannel_backend='aws-vpc', aws_region='eu-west-1'), NODES,
     'flannel aws-vpc needs network_mode_aws_vpc_id, network_mode_aws_route_table_id'),
])
def test_every_problem_is_named(settings, nodes, words):
    errors = network_mode_plan(settings, nodes)['errors']
    assert any(words in error for error in errors), errors


def test_host_mode_needs_no_subnets():
    plan = network_mode_plan({'type': 'host'}, NODES)
    assert (plan['pod_subnets'], plan['pod_ranges'], plan['errors']) == ({}, {}, [])


def test_routes_to_peers_need_every_node_address():
    nodes = {'node1': NODES['node1'], 'node2': dict(LAB_KERNEL)}
    for settings in (dict(FLANNEL, flannel_backend='host-gw'), FLANNEL,
                     {'type': 'ipvlan', 'ipvlan_mode': 'l3', 'cluster_cidr': '10.244.0.0/16'}):
        errors = network_mode_plan(settings, nodes)['errors']
        assert [e for e in errors if 'no IPv4 address' in e and e.endswith('of node2')], (settings, errors)
    for settings in ({'type': 'macvlan', 'cluster_cidr': '10.244.0.0/16'},
                     dict(FLANNEL, flannel_engine='flanneld', flanneld_start=False)):
        assert not [e for e in network_mode_plan(settings, nodes)['errors'] if 'IPv4' in e], settings


def test_allocation_rejects_a_length_that_does_not_fit():
    with pytest.raises(ValueError):
        allocate_subnets('10.244.0.0/16', 8, ['a'])


def test_hostvars_shaped_nodes():
    hostvars = {'node1': {'lowlat_k8snet': {'kernel': {'release': '6.1.0', 'features': {'macvlan': True}},
                                            'default_interface': 'eth0', 'ipv4': {'eth0': ['10.89.7.11/24']}},
                          'network_mode_pod_subnet': '10.244.9.0/24'},
                'node2': {'lowlat_k8snet': {'kernel': {'release': '6.1.0', 'features': {'macvlan': False}}}}}
    plan = network_mode_plan({'type': 'macvlan', 'cluster_cidr': '10.244.0.0/16'}, hostvars)
    assert plan['errors'] == ['host node2 (kernel 6.1.0) lacks macvlan, which network mode macvlan needs']
    assert plan['addresses'] == {'node1': '10.89.7.11', 'node2': None}


def test_engines_that_are_ready_pass():
    aws = dict(FLANNEL, flannel_backend='aws-vpc', aws_region='r', aws_vpc_id='v', aws_route_table_id='t')
    nodes = {'n1': dict(LAB_KERNEL, aws_instance_id='i-1', pods=['p'])}
    assert network_mode_plan(aws, nodes)['errors'] == []
    assert network_mode_plan(dict(FLANNEL, flannel_engine='flanneld', flanneld_start=False), NODES)['errors'] == []
    assert network_mode_plan(dict(FLANNEL, flannel_engine='flanneld', flanneld_file='/x'), NODES)['errors'] == []
    # pods are allowed for ipvlan/macvlan with the kubernetes engine: the conflist is the product there
    assert network_mode_plan({'type': 'macvlan', 'flannel_engine': 'kubernetes', 'cluster_cidr': '10.244.0.0/16'},
                             {'n1': dict(LAB_KERNEL, pods=['p'])})['errors'] == []
