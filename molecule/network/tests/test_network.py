# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Network modes between the lab hosts (host-gw; macvlan or vxlan with LOWLAT_NETWORK_MODE):
routes or links, MTU, sysctls inside pods, and pod-to-pod TCP."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest
import testinfra

NODES = {'node1': 'lowlat-node1', 'node2': 'lowlat-node2'}


def pod_address(host, pod):
    out = host.check_output('ip -n %s -j -4 addr show dev eth0' % pod)
    return json.loads(out)[0]['addr_info'][0]['local']


MODE = os.environ.get('LOWLAT_NETWORK_MODE', 'host-gw')


def test_routes_bridge_and_mtu(host):
    me = host.backend.name.replace('lowlat-', '')
    if MODE == 'vxlan':
        link = host.check_output('ip -d link show flannel.1')
        assert 'vxlan id 1 ' in link and 'dstport 8472' in link
        node_mtu = int(host.file('/sys/class/net/eth0/mtu').content_string)
        assert int(host.file('/sys/class/net/flannel.1/mtu').content_string) == node_mtu - 50
        assert int(host.check_output('ip netns exec bench-%s cat /sys/class/net/eth0/mtu' % me)) == node_mtu - 50
        peer = [n for n in NODES if n != me][0]
        peer_host = testinfra.get_host('podman://' + NODES[peer])
        peer_ip = json.loads(peer_host.check_output('ip -j -4 addr show dev eth0'))[0]['addr_info'][0]['local']
        peer_gw = peer_host.check_output('ip -j -4 addr show dev flannel.1')
        peer_gw = json.loads(peer_gw)[0]['addr_info'][0]['local']
        assert 'via %s dev flannel.1 proto 76 onlink' % peer_gw in host.check_output('ip route')
        assert 'dst %s' % peer_ip in host.check_output('bridge fdb show dev flannel.1')
        assert 'PERMANENT' in host.check_output('ip neigh show %s dev flannel.1' % peer_gw)
        return
    if MODE != 'host-gw':
        assert not host.interface('cni0').exists, 'macvlan needs no bridge'
        assert 'macvlan' in host.check_output('ip netns exec bench-%s ip -d link show eth0' % me)
        node_mtu = int(host.file('/sys/class/net/eth0/mtu').content_string)
        assert int(host.check_output('ip netns exec bench-%s cat /sys/class/net/eth0/mtu' % me)) == node_mtu
        assert host.check_output('ip netns exec bench-%s sysctl -n net.core.somaxconn' % me) == '8192'
        # the node's tuning plan inside the pod (sysctl role defaults; the kernel's default is 60)
        assert host.check_output('ip netns exec bench-%s sysctl -n net.ipv4.tcp_fin_timeout' % me) == '10'
        return
    peer = [n for n in NODES if n != me][0]
    peer_host = testinfra.get_host('podman://' + NODES[peer])
    peer_ip = json.loads(peer_host.check_output('ip -j -4 addr show dev eth0'))[0]['addr_info'][0]['local']
    routes = host.check_output('ip route')
    peer_subnet = json.loads(peer_host.check_output('cat /var/lib/lowlat-k8snet/pods/bench-%s.json' % peer))
    assert 'via %s' % peer_ip in routes
    assert host.interface('cni0').exists
    node_mtu = int(host.file('/sys/class/net/eth0/mtu').content_string)
    assert int(host.check_output('ip netns exec bench-%s cat /sys/class/net/eth0/mtu' % me)) == node_mtu
    assert host.check_output('ip netns exec bench-%s sysctl -n net.core.somaxconn' % me) == '8192'
    # the node's tuning plan inside the pod (sysctl role defaults; the kernel's default is 60)
    assert host.check_output('ip netns exec bench-%s sysctl -n net.ipv4.tcp_fin_timeout' % me) == '10'
    assert peer_subnet['result']['ips']


def test_pod_on_node1_reaches_pod_on_node2_over_tcp(host):
    if host.backend.name != 'lowlat-node1':
        return
    node2 = testinfra.get_host('podman://lowlat-node2')
    target = pod_address(node2, 'bench-node2')
    token = 'lowlat-%d' % os.getpid()
    # a bounded server in pod b: one connection, at most 20 seconds (detached: it outlives this exec)
    server = ('import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); '
              's.bind(("%s", 9090)); s.listen(); s.settimeout(20); c, a = s.accept(); c.sendall(b"%s")'
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
    assert out.stdout.strip() == token, out.stdout + out.stderr


BAD_INPUT = [
    (['-e', 'network_mode_type=ipvlan'], 'host node1 (kernel {release}) lacks ipvlan, which network mode ipvlan needs'),
    (['-e', 'network_mode_type=flannel', '-e', 'network_mode_flanel_backend=vxlan'],
     'network_mode_flanel_backend'),
    (['-e', 'network_mode_type=flannel', '-e', 'network_mode_flannel_engine=flanneld'],
     'the flanneld engine needs the flanneld binary'),
    (['-e', 'network_mode_type=flannel', '-e', 'network_mode_flannel_backend=aws-vpc'],
     'flannel aws-vpc needs network_mode_aws_region, network_mode_aws_vpc_id, network_mode_aws_route_table_id'),
    (['-e', 'network_mode_type=flannel', '-e', 'network_mode_flannel_engine=kubernetes', '-e',
      '{"network_mode_pods": ["p"]}'], 'network_mode_pods must be empty on node1, node2'),
]


@pytest.mark.parametrize('args, message', BAD_INPUT, ids=['ipvlan-kernel', 'misspelt', 'flanneld-binary',
                                                          'aws-settings', 'kubernetes-pods'])
def test_bad_input_fails_before_any_change(host, args, message):
    """The lab's kernel has no ipvlan, a variable is misspelt, an engine lacks what it needs: the run
    fails naming the problem (host, kernel, feature, variable) and changes nothing on the node."""
    if host.backend.name != 'lowlat-node1':
        return
    release = host.check_output('uname -r')
    if args[1] == 'network_mode_type=ipvlan' and 'ipvlan' in host.check_output('ls /sys/module'):
        pytest.skip('this kernel has ipvlan')
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
    env = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_CONFIG=os.path.join(repo, 'ansible.cfg'),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(repo, '.build', 'collections'))
    state = 'ip -br link; ip route; cat /var/lib/lowlat-k8snet/network-mode.json; ls /var/run/netns'
    before = host.run(state).stdout
    result = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i',
                             os.path.join(repo, 'inventories', 'lab'), os.path.join(repo, 'playbooks', 'network.yml')]
                            + args, capture_output=True, text=True, env=env, timeout=300, check=False)
    output = ' '.join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    assert message.format(release=release) in output, output[-1500:]
    assert host.run(state).stdout == before
