# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lowlat.k8snet.pod with Debian's real CNI plugins (bridge, host-local, loopback) on the real kernel.

Everything happens inside a "node" network namespace the test creates: the bridge plugin makes
its bridge there, the pods are namespaces of their own, and the only traffic is a bounded ping
between the two pods.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import uuid

import pytest

from conftest import Netns, run_module, sh

CNI_PATH = '/usr/lib/cni'
# a node's tuning plan as the sysctl role holds it: per-namespace and node-wide names mixed
NODE_SYSCTLS = {'fs.file-max': 1024000, 'net.core.netdev_max_backlog': 5000,
                'net.ipv4.tcp_slow_start_after_idle': 0, 'net.ipv4.tcp_fin_timeout': 30}


@pytest.fixture
def node(tmp_path):
    if not os.access(os.path.join(CNI_PATH, 'bridge'), os.X_OK):
        pytest.fail('containernetworking-plugins is not installed (%s/bridge)' % CNI_PATH)
    ns = Netns()
    pods = []
    try:
        yield ns, pods, str(tmp_path)
    finally:
        for pod in pods:
            sh('ip', 'netns', 'del', pod, check=False)
        ns.delete()


def conflist(network):
    return {'cniVersion': '0.4.0', 'name': network, 'plugins': [
        {'type': 'bridge', 'bridge': 'llkbr0', 'isGateway': True, 'ipMasq': False, 'mtu': 1400,
         'ipam': {'type': 'host-local', 'ranges': [[{'subnet': '10.250.7.0/24'}]],
                  'dataDir': '/run/lowlat-test-ipam'}},
        {'type': 'loopback'}]}


def test_pods_on_a_bridge_reach_each_other_and_go_away(node):
    ns, pods, state_dir = node
    network = 'llk-%s' % uuid.uuid4().hex[:6]
    config = conflist(network)
    file_max = open('/proc/sys/fs/file-max').read()
    made = {}
    for pod in ('llkpod-a-' + network[4:], 'llkpod-b-' + network[4:]):
        pods.append(pod)
        args = {'name': pod, 'cni_config': config, 'state_dir': state_dir,
                'sysctls': {'net.core.somaxconn': 8192, 'net.ipv4.tcp_fin_timeout': 10},
                'node_sysctls': NODE_SYSCTLS}
        check = run_module('pod', args, netns=ns.name, net_only=True, check=True)
        assert check['changed'] is True and not os.path.exists('/var/run/netns/' + pod)
        out = run_module('pod', args, netns=ns.name, net_only=True)
        assert out['changed'] is True and not out.get('failed'), out
        assert out['addresses'] and out['addresses'][0].startswith('10.250.7.')
        assert out['sysctls']['net.core.somaxconn']['after'] == '8192'
        inside = sh('ip', 'netns', 'exec', pod, 'sysctl', '-n', 'net.core.somaxconn').stdout.strip()
        assert inside == '8192'
        # the node's plan: per-namespace ones applied inside (sysctls wins on a name in both),
        # node-wide ones left alone and named
        visible = [k for k in NODE_SYSCTLS if k.startswith('net.') and sh(
            'ip', 'netns', 'exec', pod, 'test', '-e', '/proc/sys/' + k.replace('.', '/'), check=False).returncode == 0]
        assert sorted(out['node_wide']) == sorted(set(NODE_SYSCTLS) - set(visible)), out
        assert 'fs.file-max' in out['node_wide'] and 'net.ipv4.tcp_slow_start_after_idle' in visible
        assert sh('ip', 'netns', 'exec', pod, 'sysctl', '-n', 'net.ipv4.tcp_slow_start_after_idle').stdout.strip() == '0'
        assert sh('ip', 'netns', 'exec', pod, 'sysctl', '-n', 'net.ipv4.tcp_fin_timeout').stdout.strip() == '10'
        assert open('/proc/sys/fs/file-max').read() == file_max
        made[pod] = out['addresses'][0].split('/')[0]
        again = run_module('pod', args, netns=ns.name, net_only=True)
        assert again['changed'] is False, again
        assert sh('ip', '-n', pod, '-br', 'addr', 'show', 'eth0').stdout.split()[2].startswith('10.250.7.')
    assert 'llkbr0' in ns.ip('-br', 'link').stdout

    a, b = pods
    ping = subprocess.run(['ip', 'netns', 'exec', a, 'ping', '-c', '3', '-i', '0.2', '-W', '2', made[b]],
                          capture_output=True, text=True, timeout=30, check=False)
    assert ping.returncode == 0, ping.stdout + ping.stderr

    for pod in pods:
        gone = run_module('pod', {'name': pod, 'state': 'absent', 'state_dir': state_dir}, netns=ns.name, net_only=True)
        assert gone['changed'] is True and gone['cni_errors'] == [], gone
        assert not os.path.exists('/var/run/netns/' + pod)
        assert run_module('pod', {'name': pod, 'state': 'absent', 'state_dir': state_dir},
                          netns=ns.name, net_only=True)['changed'] is False
    leases = os.listdir(os.path.join('/run/lowlat-test-ipam', network))
    assert [lease for lease in leases if lease.startswith('10.')] == [], 'host-local kept addresses'


@pytest.mark.parametrize('args, words', [
    ({'name': 'bad name!', 'cni_config': {'name': 'x', 'type': 'bridge'}}, "pod name 'bad name!' is not valid"),
    ({'name': 'llkpod-x', 'cni_config': {'name': 'x'}}, "has no 'type'"),
    ({'name': 'llkpod-x', 'cni_config': {'name': 'x', 'type': 'nosuchplugin', 'cniVersion': '0.4.0'}},
     "CNI plugin 'nosuchplugin' is not in"),
    ({'name': 'llkpod-x', 'cni_config': {'name': 'x', 'type': 'bridge'}, 'sysctls': {'net.core.somaxconn': True}},
     'must be a number or a string'),
])
def test_bad_pod_input(node, args, words):
    ns, pods, state_dir = node
    pods.append(args['name'])
    out = run_module('pod', dict(args, state_dir=state_dir), netns=ns.name, net_only=True)
    assert out.get('failed') is True and words in out['msg'], out
