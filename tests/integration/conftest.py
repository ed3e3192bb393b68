# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real-kernel test helpers: network namespaces with veth devices, and module runs.

Modules are run the way Ansible runs them (a Python process reading its arguments), inside
`ip netns exec` where a test needs its own namespace: sysfs is remounted there, so the module
sees only that namespace's interfaces.  Every namespace is deleted afterwards and every
host-global value a test changes is restored.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys
import tempfile
import uuid

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
COLLECTIONS = os.path.join(REPO, '.build', 'collections')
sys.path.insert(0, COLLECTIONS)


def pytest_configure(config):
    link = os.path.join(COLLECTIONS, 'ansible_collections', 'lowlat', 'k8snet')
    if not os.path.exists(os.path.join(link, 'galaxy.yml')):
        raise pytest.UsageError('run `make collection` first (needs %s)' % link)
    if os.geteuid() != 0:
        raise pytest.UsageError('the real-kernel tests need root (network namespaces, /proc/irq)')


def sh(*args, **kwargs):
    return subprocess.run(list(args), check=kwargs.get('check', True), capture_output=True, text=True)


def read(path):
    with open(path) as handle:
        return handle.read().strip()


def run_module(name, args, netns=None, check=False, diff=False, net_only=False):
    """Run lowlat.k8snet.<name> with args; return its JSON result (failed results included).

    netns: run inside that namespace with `ip netns exec` (sysfs remounted, private mounts), or
    with net_only, through nsenter (network namespace only: namespaces the module creates with
    `ip netns add` stay visible outside).
    """
    payload = dict(args)
    payload['_ansible_check_mode'] = check
    payload['_ansible_diff'] = diff
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': payload}, handle)
    command = [sys.executable, '-m', 'ansible_collections.lowlat.k8snet.plugins.modules.' + name,
               handle.name]
    if netns and net_only:
        command = ['nsenter', '--net=/var/run/netns/' + netns] + command
    elif netns:
        command = ['ip', 'netns', 'exec', netns] + command
    env = dict(os.environ, PYTHONPATH=COLLECTIONS)
    try:
        proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
    finally:
        os.unlink(handle.name)
    lines = [line for line in proc.stdout.splitlines() if line.startswith('{')]
    assert lines, 'module %s printed no JSON: %s %s' % (name, proc.stdout, proc.stderr)
    return json.loads(lines[-1])


class Netns(object):
    """A network namespace made for one test, with helpers to read its sysfs."""

    def __init__(self):
        self.name = 'llk-%s' % uuid.uuid4().hex[:8]
        sh('ip', 'netns', 'add', self.name)

    def ip(self, *args):
        return sh('ip', '-n', self.name, *args)

    def sysfs(self, rel):
        return sh('ip', 'netns', 'exec', self.name, 'cat', '/sys/class/net/' + rel).stdout.strip()

    def write(self, rel, value):
        return subprocess.run(['ip', 'netns', 'exec', self.name, 'sh', '-c',
                               'echo %s > /sys/class/net/%s' % (value, rel)],
                              capture_output=True, text=True, check=False)

    def delete(self):
        sh('ip', 'netns', 'del', self.name, check=False)


@pytest.fixture
def netns():
    """A namespace with a 4-queue veth pair (mq0/mq1) and a 1-queue veth pair (sq0/sq1)."""
    ns = Netns()
    try:
        ns.ip('link', 'add', 'mq0', 'numtxqueues', '4', 'numrxqueues', '4', 'type', 'veth',
              'peer', 'name', 'mq1', 'numtxqueues', '4', 'numrxqueues', '4')
        ns.ip('link', 'add', 'sq0', 'type', 'veth', 'peer', 'name', 'sq1')
        for dev in ('mq0', 'mq1', 'sq0', 'sq1'):
            ns.ip('link', 'set', dev, 'up')
        yield ns
    finally:
        ns.delete()


@pytest.fixture(scope='session')
def cpus():
    """Online CPUs and possible-CPU count of this machine."""
    online = read('/sys/devices/system/cpu/online')
    possible = read('/sys/devices/system/cpu/possible')
    last = int(possible.split('-')[-1].split(',')[-1])
    return {'online': online, 'possible': last + 1,
            'last_online': int(online.split('-')[-1].split(',')[-1])}
