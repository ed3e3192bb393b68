# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""net.core.rps_default_mask (opt-in RPS for pod veths) on the real kernel, in a namespace of the test's own.

The knob is per network namespace, so the test sets it only inside the namespace it creates; the
root namespace's value (host-global here) is read before and after and must not change.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import tempfile

import pytest

from conftest import Netns, read, run_module, sh

KNOB = '/proc/sys/net/core/rps_default_mask'

pytestmark = pytest.mark.skipif(not os.path.exists(KNOB), reason='this kernel has no net.core.rps_default_mask (< 6.2)')


def as_int(text):
    """A mask as the kernel prints it ('3', '0,0003fdfe') -> int, without the collection's parser."""
    return int(text.strip().replace(',', '') or '0', 16)


def in_ns(ns, path):
    return sh('ip', 'netns', 'exec', ns.name, 'cat', path).stdout.strip()


def test_default_mask_reaches_veths_created_later_and_restore_puts_it_back(cpus):
    root_before = read(KNOB)
    ns = Netns()
    state = tempfile.mkdtemp(prefix='llk-podrps-')
    record = os.path.join(state, 'originals.json')
    try:
        original = in_ns(ns, KNOB)
        ns.ip('link', 'add', 'old0', 'type', 'veth', 'peer', 'name', 'old1')
        last = cpus['last_online']
        wanted = 1 << last
        args = {'interface': 'lo', 'rps_default_mask': str(last), 'record': record}

        check = run_module('queue_steering', args, netns=ns.name, check=True, diff=True)
        assert check['changed'] is True, check
        assert in_ns(ns, KNOB) == original and not os.path.exists(record), 'check mode wrote'

        applied = run_module('queue_steering', args, netns=ns.name)
        assert applied['changed'] is True and applied['rps_default_mask']['after'] == str(last), applied
        assert as_int(in_ns(ns, KNOB)) == wanted
        assert os.path.exists(record), 'the original was not recorded'
        again = run_module('queue_steering', args, netns=ns.name)
        assert again['changed'] is False, again

        # a veth pair created afterwards starts with the mask on both ends' rx queue; one from before does not
        ns.ip('link', 'add', 'pod0', 'type', 'veth', 'peer', 'name', 'pod1')
        assert as_int(ns.sysfs('pod0/queues/rx-0/rps_cpus')) == wanted
        assert as_int(ns.sysfs('pod1/queues/rx-0/rps_cpus')) == wanted
        assert as_int(ns.sysfs('old0/queues/rx-0/rps_cpus')) == 0
        # the root namespace is another namespace: untouched
        assert read(KNOB) == root_before

        back = run_module('restore', {'record': record, 'modules': ['queue_steering'],
                                      'persist_dir': os.path.join(state, 'persist')}, netns=ns.name)
        assert not back.get('failed') and back['changed'], back
        assert in_ns(ns, KNOB) == original
        ns.ip('link', 'add', 'new0', 'type', 'veth', 'peer', 'name', 'new1')
        assert as_int(ns.sysfs('new0/queues/rx-0/rps_cpus')) == as_int(original)
        assert run_module('restore', {'record': record, 'modules': ['queue_steering'],
                                      'persist_dir': os.path.join(state, 'persist')},
                          netns=ns.name)['changed'] is False
    finally:
        ns.delete()
        shutil.rmtree(state, ignore_errors=True)
    assert read(KNOB) == root_before


def test_a_cpu_beyond_the_possible_ones_is_refused_before_any_write(cpus):
    ns = Netns()
    try:
        original = in_ns(ns, KNOB)
        out = run_module('queue_steering', {'interface': 'lo', 'rps_default_mask': str(cpus['possible'] + 3)},
                         netns=ns.name)
        assert out.get('failed') and 'does not exist on this host' in out['msg'], out
        assert in_ns(ns, KNOB) == original
    finally:
        ns.delete()


def cpu_set(text):
    out = set()
    for part in text.split(','):
        if part.strip():
            first, _sep, last = part.partition('-')
            out.update(range(int(first), int(last or first) + 1))
    return out


def test_the_plan_s_pod_rps_cpus_through_ansible(netns):
    """facts -> plan -> queue_steering by ansible-playbook: the namespace's default is the housekeeping
    CPUs (online minus isolated, read here), and a pod veth made afterwards starts with it."""
    from test_playbook_kernel import playbook
    original = in_ns(netns, KNOB)
    stats, tasks = playbook(netns.name, '-e', 'steer_pod_rps=true', '--check')
    assert stats['failures'] == 0 and in_ns(netns, KNOB) == original, 'check mode wrote'
    stats, tasks = playbook(netns.name, '-e', 'steer_pod_rps=true')
    assert stats['failures'] == 0
    isolated = read('/sys/devices/system/cpu/isolated')
    housekeeping = cpu_set(read('/sys/devices/system/cpu/online')) - cpu_set(isolated)
    wanted = sum(1 << cpu for cpu in housekeeping)
    assert as_int(in_ns(netns, KNOB)) == wanted
    report = tasks['Apply RPS, XPS and RFS for all queues in one call']['rps_default_mask']
    assert cpu_set(report['after']) == housekeeping
    assert sum(1 << cpu for cpu in cpu_set(report['before'])) == as_int(original)
    netns.ip('link', 'add', 'pod0', 'type', 'veth', 'peer', 'name', 'pod1')
    assert as_int(netns.sysfs('pod0/queues/rx-0/rps_cpus')) == wanted
    stats, _tasks = playbook(netns.name, '-e', 'steer_pod_rps=true')
    assert stats['changed'] == 0 and stats['failures'] == 0
