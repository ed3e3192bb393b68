# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The node side of the network modes on a captured kernel state (fixtures/vxlan_node_ip_json.json:
iproute2 6.1's JSON of a node that flannel vxlan was programmed on, plus one stale route)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.lowlat.k8snet.plugins.module_utils import nodenet
from ansible_collections.lowlat.k8snet.plugins.module_utils.hostinfo import parse_ipv4
from ansible_collections.lowlat.k8snet.tests.unit.fixture_text import read

CAPTURE = json.loads(read('vxlan_node_ip_json.json'))
NODE1 = {'type': 'flannel', 'flannel_backend': 'vxlan', 'interface': 'eth0', 'address': '10.89.7.11',
         'subnet': '10.244.0.0/24', 'peers': [{'name': 'node2', 'subnet': '10.244.1.0/24', 'address': '10.89.7.12'}]}


def captured_state():
    return nodenet.parse_state(CAPTURE['link'], CAPTURE['addrs'], CAPTURE['routes'], CAPTURE['neigh'], CAPTURE['fdb'])


def test_the_captured_node_needs_only_its_stale_route_deleted():
    # the capture is node1 programmed for node2, plus a host-gw route to 10.244.2.0/24 nobody wants
    steps = nodenet.changes(nodenet.wanted(NODE1, 1500), captured_state(), 76)
    assert [s['argv'] for s in steps] == [['ip', 'route', 'del', '10.244.2.0/24', 'proto', '76']]


def test_an_empty_node_gets_device_address_route_neighbour_and_fdb_in_order():
    steps = nodenet.changes(nodenet.wanted(NODE1, 9001), nodenet.parse_state(), 76)
    commands = [' '.join(s['argv']) for s in steps]
    # flannel's convention, written out: the VTEP MAC from the address bytes, VTEP address = subnet address
    assert commands == [
        'ip link add flannel.1 address 0e:6c:0a:59:07:0b type vxlan id 1 local 10.89.7.11 dev eth0 dstport 8472 '
        'nolearning',
        'ip link set flannel.1 mtu %d' % (9001 - 50),
        'ip addr replace 10.244.0.0/32 dev flannel.1',
        'ip link set flannel.1 up',
        'ip route replace 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink proto 76',
        'ip neigh replace 10.244.1.0 lladdr 0e:6c:0a:59:07:0c dev flannel.1 nud permanent',
        'bridge fdb replace 0e:6c:0a:59:07:0c dev flannel.1 dst 10.89.7.12']


def test_a_device_made_differently_is_made_again_with_everything_on_it():
    have = captured_state()
    have['vxlan']['port'] = 4789
    commands = [' '.join(s['argv']) for s in nodenet.changes(nodenet.wanted(NODE1, 1500), have, 76)]
    assert commands[:2] == ['ip link del flannel.1', commands[1]] and commands[1].startswith('ip link add flannel.1')
    # deleting the device took its route, neighbour and fdb entry: all three are made again; the stale
    # route on eth0 is still there and still goes
    assert 'ip route replace 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink proto 76' in commands
    assert 'ip neigh replace 10.244.1.0 lladdr 0e:6c:0a:59:07:0c dev flannel.1 nud permanent' in commands
    assert 'bridge fdb replace 0e:6c:0a:59:07:0c dev flannel.1 dst 10.89.7.12' in commands
    assert 'ip route del 10.244.2.0/24 proto 76' in commands
    assert not any(c.startswith(('ip neigh del', 'bridge fdb del')) for c in commands)


def test_a_host_route_as_ip_prints_it_is_not_made_again():
    spec = dict(NODE1, flannel_backend='host-gw',
                peers=[{'name': 'n3', 'subnet': '10.244.9.7/32', 'address': '10.89.7.13'}])
    # ip -j prints a /32 destination without its length
    have = nodenet.parse_state(routes=[{'dst': '10.244.9.7', 'gateway': '10.89.7.13', 'dev': 'eth0', 'flags': []}])
    assert nodenet.changes(nodenet.wanted(spec, 1500), have, 76) == []


def test_a_peer_that_moved_is_replaced_not_deleted():
    moved = dict(NODE1, peers=[{'name': 'node2', 'subnet': '10.244.1.0/24', 'address': '10.89.7.13'}])
    commands = [' '.join(s['argv']) for s in nodenet.changes(nodenet.wanted(moved, 1500), captured_state(), 76)]
    mac = nodenet.vtep_mac('10.89.7.13')
    assert 'bridge fdb replace %s dev flannel.1 dst 10.89.7.13' % mac in commands
    assert 'ip neigh replace 10.244.1.0 lladdr %s dev flannel.1 nud permanent' % mac in commands
    # the old MAC's entry is another MAC: deleted; nothing deletes the new one
    assert 'bridge fdb del 0e:6c:0a:59:07:0c dev flannel.1 dst 10.89.7.12' in commands
    assert not any(c.startswith('ip neigh del') for c in commands)


def test_host_gw_and_ipvlan_l3_route_via_peers_macvlan_and_l2_span_the_cluster():
    base = dict(NODE1, cluster_cidr='10.244.0.0/16', pod_range={'start': '10.244.0.2', 'end': '10.244.0.254'})
    host_gw = nodenet.wanted(dict(base, flannel_backend='host-gw'), 1500)
    assert host_gw['routes'] == [{'dst': '10.244.1.0/24', 'gateway': '10.89.7.12', 'dev': 'eth0', 'onlink': False}]
    assert host_gw['adjacent'] == ['10.89.7.12'] and host_gw['vxlan'] is None and host_gw['mtu'] == 1500
    l3 = nodenet.wanted(dict(base, type='ipvlan', ipvlan_mode='l3'), 1500)
    assert l3['routes'] == host_gw['routes'] and l3['cni']['plugins'][0]['mode'] == 'l3'
    for mode in ({'type': 'macvlan'}, {'type': 'ipvlan', 'ipvlan_mode': 'l2'}):
        want = nodenet.wanted(dict(base, **mode), 1500)
        assert want['routes'] == [] and want['adjacent'] == []
        assert want['cni']['plugins'][0]['ipam']['ranges'] == \
            [[{'subnet': '10.244.0.0/16', 'rangeStart': '10.244.0.2', 'rangeEnd': '10.244.0.254'}]]
    assert nodenet.wanted({'type': 'host', 'interface': 'eth0'}, 1500)['cni'] is None


def test_flanneld_lease_gives_subnet_and_mtu_and_no_lease_no_config():
    text = 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.7.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n'
    lease = nodenet.parse_lease(text)
    assert lease == {'subnet': '10.244.7.0/24', 'mtu': 1450}
    spec = dict(NODE1, flannel_engine='flanneld')
    want = nodenet.wanted(spec, 1500, lease)
    assert (want['subnet'], want['mtu'], want['routes'], want['vxlan']) == ('10.244.7.0/24', 1450, [], None)
    assert nodenet.wanted(spec, 1500, nodenet.parse_lease('FLANNEL_MTU=1450\n'))['cni'] is None
    assert nodenet.wanted(dict(NODE1, flannel_engine='kubernetes'), 1500)['cni'] is None


def test_route_get_through_a_gateway_is_not_adjacent():
    onlink = CAPTURE['route_get']
    assert nodenet.not_adjacent(['10.89.7.12'], {'10.89.7.12': onlink}) == []
    routed = [dict(onlink[0], gateway='10.89.7.1')]
    assert nodenet.not_adjacent(['10.89.7.12', '192.0.2.1'], {'10.89.7.12': routed, '192.0.2.1': None}) == \
        ['10.89.7.12 (via 10.89.7.1)', '192.0.2.1 (no route)']
    # on-link, but through another interface than the one the routes name
    assert nodenet.not_adjacent(['10.89.7.12'], {'10.89.7.12': onlink}, 'eth0') == []
    assert nodenet.not_adjacent(['10.89.7.12'], {'10.89.7.12': onlink}, 'eth1') == ['10.89.7.12 (on eth0, not eth1)']


def test_host_facts_addresses_from_ip_json():
    assert parse_ipv4(CAPTURE['addr_all']) == {'eth0': ['10.89.7.11/24'], 'flannel.1': ['10.244.0.0/32']}
