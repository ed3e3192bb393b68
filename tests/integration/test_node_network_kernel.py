# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lowlat.k8snet.node_network on the real kernel: two "nodes" (network namespaces joined by a veth
pair), flannel vxlan and host-gw programmed on both, read back with ip/bridge and checked against
flannel's rules as written here, traffic through the tunnel, a peer that leaves, removal, and a
peer behind a gateway refused before anything is changed. The only traffic is a bounded ping
between the two namespaces."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import json
import os

import pytest

from conftest import Netns, run_module, sh

NODES = {'n1': {'address': '10.89.70.1', 'subnet': '10.244.0.0/24'},
         'n2': {'address': '10.89.70.2', 'subnet': '10.244.1.0/24'}}


@pytest.fixture
def pair(tmp_path):
    """Two namespaces, eth0 in each, one link between them, the node addresses above."""
    spaces = {'n1': Netns(), 'n2': Netns()}
    try:
        spaces['n1'].ip('link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', spaces['n2'].name)
        for name, ns in spaces.items():
            ns.ip('addr', 'add', NODES[name]['address'] + '/24', 'dev', 'eth0')
            ns.ip('link', 'set', 'eth0', 'up')
        yield spaces, str(tmp_path)
    finally:
        for ns in spaces.values():
            ns.delete()


def args(name, tmp, **extra):
    other = [n for n in NODES if n != name][0]
    spec = dict(type='flannel', flannel_backend='vxlan', interface='eth0', address=NODES[name]['address'],
                subnet=NODES[name]['subnet'], peers=[dict(NODES[other], name=other)],
                cni_conf=os.path.join(tmp, name, '10-lowlat.conflist'), cni_leases=os.path.join(tmp, name, 'leases'))
    spec.update(extra)
    return spec


def ipj(ns, *argv):
    proc = sh('ip', 'netns', 'exec', ns.name, *argv, check=False)
    return json.loads(proc.stdout) if proc.returncode == 0 and proc.stdout.strip() else []


def test_vxlan_as_flannel_programs_it_rerun_changes_nothing_and_a_leaving_peer_is_cleaned(pair):
    spaces, tmp = pair
    # check mode writes nothing
    dry = run_module('node_network', args('n1', tmp), netns=spaces['n1'].name, check=True)
    assert dry['changed'] and dry['commands'], dry
    assert ipj(spaces['n1'], 'ip', '-j', 'link', 'show', 'dev', 'flannel.1') == []
    assert not os.path.exists(os.path.join(tmp, 'n1', '10-lowlat.conflist'))

    for name, ns in spaces.items():
        result = run_module('node_network', args(name, tmp), netns=ns.name, diff=True)
        assert result['changed'] and not result.get('failed'), result
        assert 'route ' + [n for n in NODES if n != name][0] not in result['diff']['after']

    for name, ns in spaces.items():
        peer_name = [n for n in NODES if n != name][0]
        peer, peer_ns = NODES[peer_name], spaces[peer_name]
        node_mtu = int(ns.sysfs('eth0/mtu'))
        link = ipj(ns, 'ip', '-j', '-d', 'link', 'show', 'dev', 'flannel.1')[0]
        data = link['linkinfo']['info_data']
        # flannel: VNI 1, UDP 8472, local = the node's address on eth0, MTU 50 below the parent's
        assert (link['linkinfo']['info_kind'], data['id'], data['port'], data['local'], data['link']) == \
            ('vxlan', 1, 8472, NODES[name]['address'], 'eth0')
        assert link['mtu'] == node_mtu - 50 and 'UP' in link['flags']
        vtep = str(ipaddress.ip_network(NODES[name]['subnet']).network_address)
        assert [a['local'] + '/%d' % a['prefixlen'] for a in
                ipj(ns, 'ip', '-j', '-4', 'addr', 'show', 'dev', 'flannel.1')[0]['addr_info']] == [vtep + '/32']
        peer_vtep = str(ipaddress.ip_network(peer['subnet']).network_address)
        routes = ipj(ns, 'ip', '-j', '-4', 'route', 'show', 'proto', '76')
        assert [(r['dst'], r['gateway'], r['dev'], 'onlink' in r['flags']) for r in routes] == \
            [(peer['subnet'], peer_vtep, 'flannel.1', True)]
        # the neighbour's MAC is the one the peer's kernel has on its flannel.1, the fdb sends it to the peer
        peer_mac = ipj(peer_ns, 'ip', '-j', 'link', 'show', 'dev', 'flannel.1')[0]['address']
        assert [(n['dst'], n['lladdr']) for n in ipj(ns, 'ip', '-j', 'neigh', 'show', 'dev', 'flannel.1')
                if 'PERMANENT' in n['state']] == [(peer_vtep, peer_mac)]
        assert [(f['mac'], f['dst']) for f in ipj(ns, 'bridge', '-j', 'fdb', 'show', 'dev', 'flannel.1')
                if f.get('dst')] == [(peer_mac, peer['address'])]
        with open(os.path.join(tmp, name, '10-lowlat.conflist')) as handle:
            bridge = json.load(handle)['plugins'][0]
        assert (bridge['type'], bridge['mtu'], bridge['ipam']['ranges']) == \
            ('bridge', node_mtu - 50, [[{'subnet': NODES[name]['subnet']}]])

    # through the tunnel: node1's VTEP address to node2's
    ping = sh('ip', 'netns', 'exec', spaces['n1'].name, 'ping', '-c', '2', '-W', '2', '-I', '10.244.0.0',
              '10.244.1.0', check=False)
    assert ping.returncode == 0, ping.stdout + ping.stderr

    again = run_module('node_network', args('n1', tmp), netns=spaces['n1'].name)
    assert not again['changed'] and again['commands'] == [], again

    # node2 leaves: its route, neighbour and fdb entry go, flannel.1 stays
    alone = run_module('node_network', args('n1', tmp, peers=[]), netns=spaces['n1'].name)
    assert alone['changed'], alone
    n1 = spaces['n1']
    assert ipj(n1, 'ip', '-j', '-4', 'route', 'show', 'proto', '76') == []
    assert [n for n in ipj(n1, 'ip', '-j', 'neigh', 'show', 'dev', 'flannel.1') if 'PERMANENT' in n['state']] == []
    assert [f for f in ipj(n1, 'bridge', '-j', 'fdb', 'show', 'dev', 'flannel.1') if f.get('dst')] == []
    assert ipj(n1, 'ip', '-j', 'link', 'show', 'dev', 'flannel.1')

    # removal: flannel.1, the bridge, our routes, the CNI config and the leases
    n1.ip('link', 'add', 'cni0', 'type', 'bridge')
    os.makedirs(os.path.join(tmp, 'n1', 'leases'))
    run_module('node_network', args('n1', tmp), netns=n1.name)
    gone = run_module('node_network', dict(args('n1', tmp), state='absent'), netns=n1.name)
    assert gone['changed'], gone
    for dev in ('flannel.1', 'cni0'):
        assert ipj(n1, 'ip', '-j', 'link', 'show', 'dev', dev) == []
    assert ipj(n1, 'ip', '-j', '-4', 'route', 'show', 'proto', '76') == []
    assert os.listdir(os.path.join(tmp, 'n1')) == []
    assert not run_module('node_network', dict(args('n1', tmp), state='absent'), netns=n1.name)['changed']


def test_host_gw_routes_via_the_peer_and_refuses_a_peer_behind_a_gateway(pair):
    spaces, tmp = pair
    n1 = spaces['n1']
    result = run_module('node_network', args('n1', tmp, flannel_backend='host-gw'), netns=n1.name)
    assert result['changed'], result
    routes = ipj(n1, 'ip', '-j', '-4', 'route', 'show', 'proto', '76')
    assert [(r['dst'], r['gateway'], r['dev']) for r in routes] == [('10.244.1.0/24', '10.89.70.2', 'eth0')]
    assert ipj(n1, 'ip', '-j', 'link', 'show', 'dev', 'flannel.1') == []
    assert not run_module('node_network', args('n1', tmp, flannel_backend='host-gw'), netns=n1.name)['changed']

    # a third node behind a gateway: refused, named, and nothing changed (node2's route is kept)
    n1.ip('route', 'add', '192.0.2.0/24', 'via', '10.89.70.2')
    far = {'name': 'n3', 'subnet': '10.244.2.0/24', 'address': '192.0.2.7'}
    peers = [dict(NODES['n2'], name='n2'), far]
    failed = run_module('node_network', args('n1', tmp, flannel_backend='host-gw', peers=peers), netns=n1.name)
    assert failed.get('failed') and '192.0.2.7 (via 10.89.70.2)' in failed['msg'], failed
    assert ipj(n1, 'ip', '-j', '-4', 'route', 'show', 'proto', '76') == routes
