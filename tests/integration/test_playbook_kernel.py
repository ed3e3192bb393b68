# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules and the plan filter through ansible-playbook, by FQCN, on the real kernel."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

from ansible_collections.lowlat.k8snet.plugins.module_utils.cpuset import parse_mask
from conftest import COLLECTIONS, REPO

PLAYBOOK = os.path.join(os.path.dirname(__file__), 'playbooks', 'steer_interface.yml')


def playbook(netns, *extra):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_STDOUT_CALLBACK='ansible.posix.json',
               ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'), ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0')
    command = ['ip', 'netns', 'exec', netns, os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'),
               '-i', 'localhost,', '-c', 'local', '-e', 'ansible_python_interpreter=' + sys.executable,
               PLAYBOOK] + list(extra)
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(proc.stdout[proc.stdout.index('{'):])
    tasks = dict((task['task']['name'], task['hosts']['localhost']) for play in result['plays']
                 for task in play['tasks'])
    return result['stats']['localhost'], tasks


def test_check_apply_rerun_through_ansible(netns):
    stats, tasks = playbook(netns.name, '--check', '--diff')
    assert stats['changed'] == 1 and stats['failures'] == 0
    assert parse_mask(netns.sysfs('mq0/queues/rx-0/rps_cpus')) == 0, 'check mode wrote'

    stats, tasks = playbook(netns.name)
    assert stats['changed'] == 1 and stats['failures'] == 0
    plan = tasks['Plan']['ansible_facts']['steer_plan']
    for queue, cpus in plan['rps_cpus'].items():
        assert netns.sysfs('mq0/queues/%s/rps_flow_cnt' % queue) == str(plan['rps_flow_cnt'][queue])
        assert parse_mask(netns.sysfs('mq0/queues/%s/rps_cpus' % queue)) == parse_mask(plan['rps_masks'][queue])
    for queue in plan['xps_cpus']:
        assert parse_mask(netns.sysfs('mq0/queues/%s/xps_cpus' % queue)) == parse_mask(plan['xps_masks'][queue])
    assert plan['rps_flow_cnt']['rx-0'] == 2048    # 6000 connections -> 8192 entries / 4 queues

    stats, _tasks = playbook(netns.name)
    assert stats['changed'] == 0 and stats['failures'] == 0


def test_plan_playbook_by_fqcn_changes_nothing():
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_STDOUT_CALLBACK='ansible.posix.json',
               ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'), ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0')
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,',
               '-c', 'local', '-e', 'ansible_python_interpreter=' + sys.executable, 'lowlat.k8snet.plan']
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(proc.stdout[proc.stdout.index('{'):])
    assert result['stats']['localhost']['changed'] == 0
    tasks = dict((task['task']['name'], task['hosts']['localhost']) for play in result['plays']
                 for task in play['tasks'])
    facts = tasks['Read CPUs, NUMA nodes, NICs and kernel features']['ansible_facts']['lowlat_k8snet']
    plan = tasks['Compute the plan']['ansible_facts']['plan_steering']
    nic = facts['nics'][facts['default_interface']]
    assert sorted(int(irq) for irq in plan['irq_affinity']) == sorted(nic['irqs'])
    assert set(plan['rps_cpus']) == set('rx-%d' % q for q in range(nic['rx_queues']))
    assert plan['reasons']
