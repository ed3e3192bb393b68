# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rule checker the lab and the qemu guests are verified with: it must pass on a correct
read-back and fail on a wrong one (or on a wrong expectation)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os

import pytest

import steering

HERE = os.path.dirname(os.path.abspath(__file__))

# The study's hosts (study.md): 36 CPUs, node 0 = 0-8 and their hyperthreads 18-26, node 1 =
# 9-17 and 27-35, a 2-queue NIC, 60k connections; its published masks, as the kernel prints them.
STUDY_NODES = {0: steering.cpus('0-8,18-26'), 1: steering.cpus('9-17,27-35')}
STUDY_SIBLINGS = dict((cpu, set([cpu % 18, cpu % 18 + 18])) for cpu in range(36))


def load_vm():
    """A read-back of a qemu guest after site.yml (molecule/vm/read-steering.sh eth1 on vm1)."""
    with open(os.path.join(HERE, 'fixtures', 'vm1_eth1_tuned.json')) as handle:
        return json.load(handle)


def test_parsers_read_lists_and_masks_whole():
    assert steering.cpus('0-3') == set([0, 1, 2, 3])  # not 0, as `"0-3" | int` gave
    assert steering.cpus('0-2,8') == set([0, 1, 2, 8]) and steering.cpus('') == set()
    assert steering.mask_cpus('00000000,0003fdfe') == steering.cpus('1-8,10-17')
    assert steering.mask_cpus('0,0003fdfe') == steering.mask_cpus('00000000,0003fdfe')
    assert steering.mask_cpus('00') == set() and steering.mask_cpus('f0') == steering.cpus('4-7')
    assert [steering.pow2(n) for n in (0, 1, 3, 4, 6000, 60000)] == [1, 1, 4, 4, 8192, 65536]


def test_the_rule_gives_the_study_numbers():
    expected = steering.expect(STUDY_NODES, steering.physical(STUDY_SIBLINGS), 2, 2, 60000,
                               siblings=STUDY_SIBLINGS)
    assert expected['irq_cpu'] == {0: 0, 1: 9}
    # scope node (scaling.rst): each queue the physical cores of its IRQ CPU's node, minus it
    assert expected['rps'] == {0: steering.cpus('1-8'), 1: steering.cpus('10-17')}
    assert expected['xps'] == {0: steering.mask_cpus('00000000,07fc01ff'), 1: steering.mask_cpus('0000000f,f803fe00')}
    assert expected['entries'] == 65536 and expected['flow'] == {0: 32768, 1: 32768}


def test_a_correct_guest_read_back_passes():
    nodes, physical, rx, tx, read = steering.from_readback(load_vm())
    assert (rx, tx, len(nodes)) == (4, 4, 2)
    assert steering.check(steering.expect(nodes, physical, rx, tx, 60000), read) == []


def mutate(change):
    data = load_vm()
    change(data)
    nodes, physical, rx, tx, read = steering.from_readback(data)
    return steering.check(steering.expect(nodes, physical, rx, tx, 60000), read)


def swap_irq_cpus(data):
    """Queue 0's and queue 1's IRQs swapped between their CPUs."""
    irqs = data['irqs']
    dev = data['device']
    for kind in ('input', 'output'):
        a, b = irqs['%s-%s.0' % (dev, kind)], irqs['%s-%s.1' % (dev, kind)]
        a['cpus'], b['cpus'] = b['cpus'], a['cpus']


@pytest.mark.parametrize('change, words', [
    (swap_irq_cpus, 'queue 0: IRQ CPUs 4, the rule wants 0'),
    (lambda d: d['rx']['rx-2'].update(rps_cpus='0f'), 'rx-2: rps_cpus 0-3, the rule wants 1-3'),
    (lambda d: d['tx']['tx-3'].update(xps_cpus='0f'), 'tx-3: xps_cpus 0-3, the rule wants 6-7'),
    (lambda d: d['rx']['rx-1'].update(rps_flow_cnt=0), 'rx-1: rps_flow_cnt 0, the rule wants 16384'),
    (lambda d: d.update(rps_sock_flow_entries=32768), 'rps_sock_flow_entries 32768'),
    (lambda d: d['irqs'].pop(d['device'] + '-input.3'), 'queue 3: IRQ CPUs'),
], ids=['irq-cpus-swapped', 'rps-irq-cpu-kept', 'xps-wrong-node', 'rfs-off', 'rfs-table', 'irq-missing'])
def test_a_wrong_read_back_fails(change, words):
    wrong = mutate(change)
    assert any(words in line for line in wrong), wrong


def test_a_wrong_expectation_fails():
    """The checker is not a tautology: tell it the wrong rule (XPS tx-i on node i+1) and it objects."""
    nodes, physical, rx, tx, read = steering.from_readback(load_vm())
    expected = steering.expect(nodes, physical, rx, tx, 60000)
    wrong = copy.deepcopy(expected)
    wrong['xps'] = dict((q, expected['xps'][(q + 1) % tx]) for q in expected['xps'])
    assert len(steering.check(wrong, read)) == tx


def test_command_line_exit_status(tmp_path, capsys):
    good = tmp_path / 'good.json'
    good.write_text(json.dumps(load_vm()))
    assert steering.main(['--connections', '60000', '--rx-queues', '4', str(good)]) == 0
    assert '0 mismatch(es)' in capsys.readouterr().out
    assert steering.main(['--connections', '6000', str(good)]) == 1
    assert 'rps_sock_flow_entries 65536, the rule wants 8192' in capsys.readouterr().out


VM_NODES = {0: steering.cpus('0-3'), 1: steering.cpus('4-7')}


def test_a_nic_after_others_in_a_bond_starts_at_their_offset():
    """eth2 after a 1-queue eth1: its queue 0 is the row's position 1, so node 1 serves it."""
    alone = steering.expect(VM_NODES, steering.cpus('0-7'), 4, 4, 60000)
    after = steering.expect(VM_NODES, steering.cpus('0-7'), 4, 4, 60000, offset=1)
    assert alone['irq_cpu'] == {0: 0, 1: 4, 2: 0, 3: 4}
    assert after['irq_cpu'] == {0: 4, 1: 0, 2: 4, 3: 0}
    assert after['rps'][0] == steering.cpus('5-7') and after['xps'][0] == steering.cpus('4-5')
    # a whole number of turns round the nodes changes nothing
    assert steering.expect(VM_NODES, steering.cpus('0-7'), 4, 4, 60000, offset=4) == alone


def test_the_cpus_steering_may_use_leave_out_isolated_nohz_full_and_unreserved():
    data = dict(load_vm(), isolated='3', nohz_full='3,7')
    assert steering.allowed(data) == steering.cpus('0-2,4-6')
    assert steering.allowed(data, '0-1,3-7') == steering.cpus('0-1,4-6')
    assert steering.allowed(dict(data, isolated='', nohz_full='  (null)')) == steering.cpus('0-7')
    nodes, physical, rx, tx, _read = steering.from_readback(data, cpu_set=steering.allowed(data, '0-1,3-7'))
    expected = steering.expect(nodes, physical, rx, tx, 60000)
    assert expected['rps'] == {0: set([1]), 1: steering.cpus('5-6'), 2: set([1]), 3: steering.cpus('5-6')}
    assert expected['xps'] == {0: set([0]), 1: steering.cpus('4-5'), 2: set([1]), 3: set([6])}


def two_nics(second_change=None):
    """vm1's read-back as a bond of two such NICs (the second a copy, with its own device name)."""
    data = load_vm()
    first = dict((key, data.pop(key)) for key in ('interface', 'device', 'irqs', 'rx', 'tx'))
    second = copy.deepcopy(first)
    second.update(interface='eth2', device='virtio9',
                  irqs=dict((name.replace(first['device'], 'virtio9'), irq) for name, irq in first['irqs'].items()))
    if second_change:
        second_change(second)
    data['nics'] = [first, second]
    return data


def test_command_line_checks_every_nic_of_a_bond(tmp_path, capsys):
    path = tmp_path / 'bond.json'
    path.write_text(json.dumps(two_nics()))
    assert steering.main(['--connections', '60000', '--rx-queues', '4', str(path)]) == 0
    out = capsys.readouterr().out
    assert 'eth2 (virtio9, queues from position 4)' in out and '0 mismatch(es)' in out
    path.write_text(json.dumps(two_nics(lambda nic: nic['rx']['rx-1'].update(rps_cpus='0e'))))
    assert steering.main(['--connections', '60000', str(path)]) == 1
    assert 'eth2 rx-1: rps_cpus 1-3, the rule wants 5-7' in capsys.readouterr().out


def test_command_line_refuses_pinned_cpus_outside_the_reserved_set(tmp_path, capsys):
    path = tmp_path / 'vm.json'
    path.write_text(json.dumps(load_vm()))
    assert steering.main(['--connections', '60000', '--pinned', '1-3,5-7', str(path)]) == 0
    capsys.readouterr()
    # the read-back was taken without a reserved set: with one, the IRQ CPUs are wrong too
    assert steering.main(['--connections', '60000', '--reserved', '0-1,4-7', '--pinned', '1-3', str(path)]) == 1
    assert 'pinned CPUs 2-3 are outside the CPUs steering may use (0-1,4-7)' in capsys.readouterr().out
