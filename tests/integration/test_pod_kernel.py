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
    made = {}
    for pod in ('llkpod-a-' + network[4:], 'llkpod-b-' + network[4:]):
        pods.append(pod)
        args = {'name': pod, 'cni_config': config, 'state_dir': state_dir,
                'sysctls': {'net.core.somaxconn': 8192, 'net.ipv4.tcp_fin_timeout': 10}}
        check = run_module('pod', args, netns=ns.name, net_only=True, check=True)
        assert check['changed'] is True and not os.path.exists('/var/run/netns/' + pod)
        out = run_module('pod', args, netns=ns.name, net_only=True)
        assert out['changed'] is True and not out.get('failed'), out
        assert out['addresses'] and out['addresses'][0].startswith('10.250.7.')
        assert out['sysctls']['net.core.somaxconn']['after'] == '8192'
        inside = sh('ip', 'netns', 'exec', pod, 'sysctl', '-n', 'net.core.somaxconn').stdout.strip()
        assert inside == '8192'
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
