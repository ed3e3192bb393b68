# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""irq_affinity against this machine's real NIC IRQ and a real managed IRQ, restored afterwards."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.lowlat.k8snet.plugins.module_utils.cpuset import bits_to_list, format_list, to_bits
from conftest import read, run_module


def facts():
    out = run_module('host_facts', {})
    assert not out.get('failed'), out
    return out['ansible_facts']['lowlat_k8snet']


@pytest.fixture
def nic_irq():
    """The first queue IRQ of the default-route NIC, restored after the test."""
    host = facts()
    nic = host['nics'].get(host['default_interface'] or '')
    if not nic or not nic['irqs']:
        pytest.skip('the default-route interface has no queue IRQ on this machine')
    irq = nic['irqs'][0]
    path = '/proc/irq/%d/smp_affinity_list' % irq
    original = read(path)
    yield irq
    with open(path, 'w') as handle:
        handle.write(original)
    assert read(path) == original


def test_real_nic_irq_check_apply_rerun(nic_irq, cpus):
    path = '/proc/irq/%d/smp_affinity_list' % nic_irq
    current = to_bits(read(path))
    online = to_bits(cpus['online'])
    # one online CPU that makes a difference to what is there now
    target = next(1 << cpu for cpu in range(cpus['possible'])
                  if online >> cpu & 1 and current != 1 << cpu)
    args = {'irqs': {str(nic_irq): format_list(target)}}

    check = run_module('irq_affinity', args, check=True, diff=True)
    assert check['changed'] is True and check['changed_irqs'] == [nic_irq]
    assert to_bits(read(path)) == current, 'check mode wrote the affinity'

    applied = run_module('irq_affinity', args)
    assert applied['changed'] is True, applied
    assert to_bits(read(path)) == target
    # effective_affinity follows at the IRQ's next interrupt (x86 moves vectors lazily), so a
    # quiet NIC may still show the old CPU here: the module reports it, the test does not wait.
    assert applied['irqs'][str(nic_irq)]['effective'] == read('/proc/irq/%d/effective_affinity_list'
                                                              % nic_irq)

    again = run_module('irq_affinity', args)
    assert again['changed'] is False and again['irqs'][str(nic_irq)]['status'] == 'unchanged'


def managed_irq():
    for entry in sorted(os.listdir('/proc/irq')):
        path = '/proc/irq/%s/smp_affinity_list' % entry
        if entry.isdigit() and os.path.exists(path) and not os.stat(path).st_mode & 0o222:
            if len(bits_to_list(to_bits(read(path)))) > 1:
                return int(entry)
    return None


def test_managed_irq_is_skipped_with_the_reason_and_strict_fails():
    irq = managed_irq()
    if irq is None:
        pytest.skip('no managed (read-only) IRQ spanning several CPUs on this machine')
    path = '/proc/irq/%d/smp_affinity_list' % irq
    original = read(path)
    first = str(bits_to_list(to_bits(original))[0])
    out = run_module('irq_affinity', {'irqs': {str(irq): first}})
    assert not out.get('failed') and out['changed'] is False, out
    assert out['irqs'][str(irq)]['status'] == 'skipped'
    assert 'managed IRQ' in out['refused'][str(irq)]
    strict = run_module('irq_affinity', {'irqs': {str(irq): first}, 'strict': True})
    assert strict.get('failed') is True and 'refused to change IRQs %d' % irq in strict['msg']
    assert read(path) == original


def test_bad_irq_input_changes_nothing(nic_irq):
    path = '/proc/irq/%d/smp_affinity_list' % nic_irq
    original = read(path)
    out = run_module('irq_affinity', {'irqs': {str(nic_irq): '0', '100000': '0'}})
    assert out.get('failed') is True and 'IRQ 100000 does not exist' in out['msg']
    out = run_module('irq_affinity', {'irqs': {str(nic_irq): '0-4095'}})
    assert out.get('failed') is True and 'is not an online CPU' in out['msg']
    assert read(path) == original
