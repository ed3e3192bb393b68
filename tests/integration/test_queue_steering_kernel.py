# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""queue_steering against veth devices in a network namespace on the real kernel."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.lowlat.k8snet.plugins.module_utils.cpuset import format_mask, parse_mask
from conftest import read, run_module

SOCK = '/proc/sys/net/core/rps_sock_flow_entries'


def masks(ns, dev, kind, option, count):
    return [parse_mask(ns.sysfs('%s/queues/%s-%d/%s' % (dev, kind, q, option))) for q in range(count)]


def test_check_mode_then_apply_then_no_change(netns, cpus):
    last = cpus['last_online']
    args = {'interface': 'mq0', 'rps_cpus': str(last),
            'xps_cpus': dict(('tx-%d' % q, str(q % (last + 1))) for q in range(4)),
            'rps_flow_cnt': 3000}
    before = (masks(netns, 'mq0', 'rx', 'rps_cpus', 4), masks(netns, 'mq0', 'tx', 'xps_cpus', 4),
              [netns.sysfs('mq0/queues/rx-%d/rps_flow_cnt' % q) for q in range(4)])

    check = run_module('queue_steering', args, netns=netns.name, check=True, diff=True)
    assert check['changed'] is True, check
    assert 'rx-3 rps_cpus: %d' % last in check['diff']['after']
    after_check = (masks(netns, 'mq0', 'rx', 'rps_cpus', 4), masks(netns, 'mq0', 'tx', 'xps_cpus', 4),
                   [netns.sysfs('mq0/queues/rx-%d/rps_flow_cnt' % q) for q in range(4)])
    assert after_check == before, 'check mode wrote to sysfs'

    applied = run_module('queue_steering', args, netns=netns.name)
    assert applied['changed'] is True, applied
    assert masks(netns, 'mq0', 'rx', 'rps_cpus', 4) == [1 << last] * 4
    assert masks(netns, 'mq0', 'tx', 'xps_cpus', 4) == [1 << (q % (last + 1)) for q in range(4)]
    # the kernel rounds 3000 up to 4096 ...
    assert [netns.sysfs('mq0/queues/rx-%d/rps_flow_cnt' % q) for q in range(4)] == ['4096'] * 4

    # ... and that must not make the rerun report a change
    again = run_module('queue_steering', args, netns=netns.name, diff=True)
    assert again['changed'] is False, again
    assert again['diff'] == {'before': '', 'after': ''}


def test_per_queue_dict_and_turning_rps_off(netns, cpus):
    last = cpus['last_online']
    run_module('queue_steering', {'interface': 'mq0', 'rps_cpus': '0-%d' % last}, netns=netns.name)
    out = run_module('queue_steering', {'interface': 'mq0', 'rps_cpus': {'rx-1': ''}}, netns=netns.name)
    assert out['changed'] is True
    assert masks(netns, 'mq0', 'rx', 'rps_cpus', 4)[1] == 0
    assert masks(netns, 'mq0', 'rx', 'rps_cpus', 4)[0] == (1 << (last + 1)) - 1


def test_wider_mask_is_refused_by_this_kernel_but_not_written_by_the_module(netns, cpus):
    """Kernels >= 5.6 reject masks with more words than ceil(possible/32) (EOVERFLOW)."""
    too_wide = format_mask('0', cpus['possible'] + 64)
    assert len(too_wide.split(',')) > len(format_mask('0', cpus['possible']).split(','))
    refused = netns.write('sq0/queues/rx-0/rps_cpus', too_wide)
    assert refused.returncode != 0, 'the kernel accepted an over-wide mask: %r' % too_wide
    out = run_module('queue_steering', {'interface': 'sq0', 'rps_cpus': '0'}, netns=netns.name)
    assert out['changed'] is True and not out.get('failed'), out
    assert parse_mask(netns.sysfs('sq0/queues/rx-0/rps_cpus')) == 1


@pytest.mark.parametrize('args, words', [
    ({'interface': 'nope0'}, "interface 'nope0' does not exist in this network namespace"),
    ({'interface': 'mq0', 'rps_cpus': '4096'}, 'does not exist on this host'),
    ({'interface': 'mq0', 'rps_cpus': True}, 'boolean'),
    ({'interface': 'mq0', 'rps_cpus': {'rx-9': '0'}}, "'rx-9' is not a rx queue of mq0"),
    ({'interface': 'mq0', 'rps_cpus': '0', 'rps_sock_flow_entries': 4096},
     'exists only in the root network namespace'),
])
def test_bad_input_fails_before_any_write(netns, args, words):
    out = run_module('queue_steering', args, netns=netns.name)
    assert out.get('failed') is True and words in out['msg'], out
    assert masks(netns, 'mq0', 'rx', 'rps_cpus', 4) == [0, 0, 0, 0]


def test_rps_sock_flow_entries_in_the_root_namespace_is_restored():
    """A host-global knob: recorded and restored."""
    original = read(SOCK)
    try:
        wanted = 60000 if original != '65536' else 30000
        expected = 65536 if wanted == 60000 else 32768
        args = {'interface': 'lo', 'rps_sock_flow_entries': wanted}
        check = run_module('queue_steering', args, check=True)
        assert check['changed'] is True and read(SOCK) == original
        out = run_module('queue_steering', args)
        assert out['changed'] is True and out['rps_sock_flow_entries']['after'] == expected
        assert read(SOCK) == str(expected)
        assert run_module('queue_steering', args)['changed'] is False
    finally:
        with open(SOCK, 'w') as handle:
            handle.write(original)
    assert read(SOCK) == original
