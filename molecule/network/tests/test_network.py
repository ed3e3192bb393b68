# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The network mode LOWLAT_NETWORK_MODE names (host-gw, macvlan, vxlan) between the lab hosts:
routes or links, MTU, sysctls inside pods, and pod-to-pod TCP. (Its bad input is checked once, by
molecule/default's prepare.)"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import json
import os
import subprocess

import pytest
import testinfra

NODES = {'node1': 'lowlat-node1', 'node2': 'lowlat-node2'}
MODE = os.environ.get('LOWLAT_NETWORK_MODE', 'host-gw')
CLUSTER = ipaddress.ip_network('10.244.0.0/16')   # network_mode_cluster_cidr's default


def name_of(host):
    return host.backend.name.replace('lowlat-', '')


def peer_of(host):
    return testinfra.get_host('podman://' + [c for n, c in NODES.items() if n != name_of(host)][0])


def address(host, dev, netns=None):
    out = host.check_output('ip %s -j -4 addr show dev %s' % ('-n ' + netns if netns else '', dev))
    return json.loads(out)[0]['addr_info'][0]['local']


def our_routes(host):
    return json.loads(host.check_output('ip -j -4 route show proto 76'))


def peer_subnet(host):
    """The peer's pod subnet: where its pod's address is, and what its record says."""
    peer = peer_of(host)
    subnet = ipaddress.ip_network(json.loads(peer.file('/var/lib/lowlat-k8snet/network-mode.json').content_string)['subnet'])
    pod = ipaddress.ip_address(address(peer, 'eth0', 'bench-' + name_of(peer)))
    assert pod in subnet and subnet.subnet_of(CLUSTER) and subnet.prefixlen == 24, (pod, subnet)
    return subnet


def sysctl_in_pod(host, name):
    return host.check_output('ip netns exec bench-%s sysctl -n %s' % (name_of(host), name))


def pod_mtu(host):
    return int(host.check_output('ip netns exec bench-%s cat /sys/class/net/eth0/mtu' % name_of(host)))


def test_pods_mtu_and_sysctls(host):
    node_mtu = int(host.file('/sys/class/net/eth0/mtu').content_string)
    assert pod_mtu(host) == (node_mtu - 50 if MODE == 'vxlan' else node_mtu)
    assert sysctl_in_pod(host, 'net.core.somaxconn') == '8192'
    # the node's tuning plan inside the pod (sysctl role defaults; the kernel's default is 60)
    assert sysctl_in_pod(host, 'net.ipv4.tcp_fin_timeout') == '10'


@pytest.mark.skipif(MODE != 'host-gw', reason='flannel host-gw only')
def test_host_gw_routes_each_peer_subnet_via_the_peer(host):
    """One route per peer: to the peer's pod subnet, via the peer's node address, on eth0."""
    routes = our_routes(host)
    want = [{'dst': str(peer_subnet(host)), 'gateway': address(peer_of(host), 'eth0'), 'dev': 'eth0'}]
    assert [dict((k, r.get(k)) for k in ('dst', 'gateway', 'dev')) for r in routes] == want, routes
    assert host.interface('cni0').exists


@pytest.mark.skipif(MODE != 'vxlan', reason='flannel vxlan only')
def test_vxlan_routes_each_peer_subnet_through_its_vtep(host):
    link = host.check_output('ip -d link show flannel.1')
    assert 'vxlan id 1 ' in link and 'dstport 8472' in link
    node_mtu = int(host.file('/sys/class/net/eth0/mtu').content_string)
    assert int(host.file('/sys/class/net/flannel.1/mtu').content_string) == node_mtu - 50
    peer = peer_of(host)
    subnet = peer_subnet(host)
    # flannel's convention: the peer's VTEP address is its subnet's network address
    vtep = str(subnet.network_address)
    assert address(peer, 'flannel.1') == vtep
    routes = our_routes(host)
    assert [dict((k, r.get(k)) for k in ('dst', 'gateway', 'dev')) for r in routes] == \
        [{'dst': str(subnet), 'gateway': vtep, 'dev': 'flannel.1'}], routes
    assert 'onlink' in routes[0].get('flags', [])
    assert 'dst %s' % address(peer, 'eth0') in host.check_output('bridge fdb show dev flannel.1')
    assert 'PERMANENT' in host.check_output('ip neigh show %s dev flannel.1' % vtep)


@pytest.mark.skipif(MODE != 'macvlan', reason='macvlan only')
def test_macvlan_needs_no_bridge_and_no_route(host):
    assert not host.interface('cni0').exists
    assert 'macvlan' in host.check_output('ip netns exec bench-%s ip -d link show eth0' % name_of(host))
    assert our_routes(host) == []


def test_pod_on_node1_reaches_pod_on_node2_over_tcp(host):
    if host.backend.name != 'lowlat-node1':
        pytest.skip('once, from node1')
    node2 = testinfra.get_host('podman://lowlat-node2')
    target = address(node2, 'eth0', 'bench-node2')
    token = 'lowlat-%d' % os.getpid()
    # a bounded server in pod b: one connection, at most 20 seconds (detached: it outlives this exec)
    server = ('import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); '
              's.bind(("%s", 9090)); s.listen(); s.settimeout(20); c, a = s.accept(); c.sendall(b"%s " + a[0].encode())'
              % (target, token))
    subprocess.run(['podman', 'exec', '-d', 'lowlat-node2', 'ip', 'netns', 'exec', 'bench-node2',
                    'timeout', '20', 'python3', '-c', server], check=True, capture_output=True)
    client = ('import socket, time\n'
              'for i in range(20):\n'
              '    try:\n'
              '        print(socket.create_connection(("%s", 9090), timeout=2).recv(64).decode()); break\n'
              '    except OSError:\n'
              '        time.sleep(0.5)\n' % target)
    out = host.run("ip netns exec bench-node1 python3 -c '%s'" % client)
    # the server saw node1's pod address: no NAT on the way
    assert out.stdout.strip() == '%s %s' % (token, address(host, 'eth0', 'bench-node1')), out.stdout + out.stderr
