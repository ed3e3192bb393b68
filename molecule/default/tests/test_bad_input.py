# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input stops site.yml and network.yml with a clear error before anything on the host changes.
Run once, in molecule/default's prepare, for the whole lab chain."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest
import testinfra

from conftest import POLICY, REPO
from test_lab import OUR_FILES, knobs

CASES = [
    ('unknown role option value', {'irq_affinity_irqbalance': 'kill'},
     ['irq_affinity_irqbalance', 'must be one of: ban, stop, ignore']),
    ('misspelt (or removed) variable', {'sysctl_setings': []}, ['sysctl_setings']),
    ('YAML boolean as a sysctl value', {'sysctl_extra': [{'name': 'net.core.somaxconn', 'value': True}]},
     ['net.core.somaxconn: value is the boolean True']),
    ('invalid sysctl name', {'sysctl_extra': [{'name': 'net ipv4 bad', 'value': 1}]},
     ["'net ipv4 bad' is not a sysctl name"]),
    ('NOTRACK on the SSH port', {'notrack_rules': [{'proto': 'tcp', 'port': 22, 'cidr': '10.89.7.0/24'}]},
     ['port 22 is the SSH port']),
    ('interface that does not exist', {'steering_plan_interfaces': ['nope0']},
     ['nope0', 'do not exist on node1']),
    ('relative state directory', {'lowlat_state_dir': 'var/lib/x'},
     ["lowlat_state_dir must be an absolute directory path other than /, not 'var/lib/x'"]),
]


def run_playbook(playbook, limit, args):
    # molecule forces colour when TERM names xterm, and ANSIBLE_FORCE_COLOR beats ANSIBLE_NOCOLOR
    env = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0',
               ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, '.build', 'collections'),
               ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'))
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i',
               os.path.join(REPO, 'inventories', 'lab'), playbook, '-l', limit, '-e', json.dumps(POLICY)] + args
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False)


def site(extra, limit='node1', extra_args=(), playbook=None):
    return run_playbook(playbook or os.path.join(REPO, 'playbooks', 'site.yml'), limit,
                        ['-e', json.dumps(extra)] + list(extra_args))


@pytest.mark.badinput
def test_bad_input_changes_nothing(host):
    if host.backend.name != 'lowlat-node1':
        pytest.skip('run once, against node1')
    before = knobs(host)
    for title, extra, words in CASES:
        result = site(extra)
        output = ' '.join((result.stdout + result.stderr).split())
        assert result.returncode != 0, '%s: site.yml succeeded' % title
        for word in words:
            assert word in output, '%s: %r not in the error:\n%s' % (title, word, output[-2000:])
        assert 'changed=0' in output, '%s: something changed before the error' % title
    assert knobs(host) == before
    assert [path for path in OUR_FILES if host.file(path).exists] == []


@pytest.mark.badinput
def test_check_mode_prints_the_plan_and_changes_nothing(host):
    if host.backend.name != 'lowlat-node1':
        pytest.skip('run once, for both hosts')
    hosts = [testinfra.get_host('podman://lowlat-node%d' % i) for i in (1, 2)]
    before = [knobs(h) for h in hosts]
    # by its name, as users run it
    result = site({}, limit='benchnodes', extra_args=['--check', '--diff'], playbook='lowlat.k8snet.site')
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert '"rps_masks"' in output and '"reasons"' in output, 'check mode must print the plan'
    assert '+net.ipv4.tcp_fin_timeout = 10' in output, 'check mode must print the diff'
    assert [knobs(h) for h in hosts] == before
    for h in hosts:
        assert [path for path in OUR_FILES if h.file(path).exists] == []


NETWORK_CASES = [
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


@pytest.mark.badinput
@pytest.mark.parametrize('args, message', NETWORK_CASES, ids=['ipvlan-kernel', 'misspelt', 'flanneld-binary',
                                                              'aws-settings', 'kubernetes-pods'])
def test_network_bad_input_fails_before_any_change(host, args, message):
    """The lab's kernel has no ipvlan, a variable is misspelt, an engine lacks what it needs: network.yml
    fails naming the problem (host, kernel, feature, variable) and changes nothing on the node."""
    if host.backend.name != 'lowlat-node1':
        pytest.skip('run once, against node1')
    release = host.check_output('uname -r')
    if args[1] == 'network_mode_type=ipvlan' and 'ipvlan' in host.check_output('ls /sys/module'):
        pytest.skip('this kernel has ipvlan')
    state = 'ip -br link; ip route; ls /var/lib/lowlat-k8snet /var/run/netns /etc/cni/net.d 2>&1'
    before = host.run(state).stdout
    result = run_playbook(os.path.join(REPO, 'playbooks', 'network.yml'), 'benchnodes', list(args))
    output = ' '.join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    assert message.format(release=release) in output, output[-1500:]
    assert host.run(state).stdout == before
