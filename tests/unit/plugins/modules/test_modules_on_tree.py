# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules' planning, check mode, diff and validation on a captured-style /sys + /proc tree.

Kernel semantics (mask formatting, rounding, EOVERFLOW) are covered by the integration tests
on the real kernel; these tests cover the module logic quickly and without root.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible.module_utils.testing import patch_module_args
from ansible_collections.lowlat.k8snet.plugins.module_utils import irqbalance as irqbalance_utils
from ansible_collections.lowlat.k8snet.plugins.modules import host_facts, irq_affinity, queue_steering, restore
from ansible_collections.lowlat.k8snet.tests.unit.fixture_text import put, read as fixture


def get(root, rel):
    with open(os.path.join(str(root), rel)) as handle:
        return handle.read().strip()


@pytest.fixture
def host(tmp_path):
    """A 36-CPU, two-node host with a two-queue ixgbevf NIC, as the study had."""
    put(tmp_path, 'sys/devices/system/cpu/online', '0-35\n')
    put(tmp_path, 'sys/devices/system/cpu/possible', '0-35\n')
    put(tmp_path, 'sys/devices/system/cpu/isolated', '\n')
    for cpu in range(36):
        core = cpu % 18
        put(tmp_path, 'sys/devices/system/cpu/cpu%d/topology/core_id' % cpu, '%d\n' % core)
        put(tmp_path, 'sys/devices/system/cpu/cpu%d/topology/physical_package_id' % cpu, '%d\n' % (core // 9))
    put(tmp_path, 'sys/devices/system/node/node0/cpulist', '0-8,18-26\n')
    put(tmp_path, 'sys/devices/system/node/node1/cpulist', '9-17,27-35\n')
    pci = 'sys/devices/pci0000:00/0000:00:03.0'
    put(tmp_path, pci + '/numa_node', '-1\n')
    for irq in (60, 61, 62):
        put(tmp_path, pci + '/msi_irqs/%d' % irq, 'msix\n')
        put(tmp_path, 'proc/irq/%d/smp_affinity_list' % irq, '0-35\n')
        put(tmp_path, 'proc/irq/%d/effective_affinity_list' % irq, '0\n')
    os.makedirs(os.path.join(str(tmp_path), 'sys/bus/pci/drivers/ixgbevf'))
    os.symlink(os.path.join(str(tmp_path), 'sys/bus/pci/drivers/ixgbevf'), os.path.join(str(tmp_path), pci, 'driver'))
    os.makedirs(os.path.join(str(tmp_path), 'sys/class/net/eth0'))
    os.symlink(os.path.join(str(tmp_path), pci), os.path.join(str(tmp_path), 'sys/class/net/eth0/device'))
    for q in range(2):
        put(tmp_path, 'sys/class/net/eth0/queues/rx-%d/rps_cpus' % q, '0,00000000\n')
        put(tmp_path, 'sys/class/net/eth0/queues/rx-%d/rps_flow_cnt' % q, '0\n')
        put(tmp_path, 'sys/class/net/eth0/queues/tx-%d/xps_cpus' % q, '0,00000000\n')
    put(tmp_path, 'sys/class/net/eth0/mtu', '9001\n')
    put(tmp_path, 'proc/sys/net/core/rps_sock_flow_entries', '0\n')
    put(tmp_path, 'proc/sys/kernel/osrelease', '4.3.0\n')
    put(tmp_path, 'proc/net/route', 'Iface\tDestination\tGateway\neth0\t00000000\t0101A8C0\n')
    put(tmp_path, 'proc/interrupts', fixture('ixgbevf_interrupts.txt'))
    return tmp_path


def run(module, args, capsys, check=False, diff=False):
    args = dict(args)
    args['_ansible_check_mode'] = check
    args['_ansible_diff'] = diff
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


def test_host_facts_reads_the_study_host(host, capsys):
    out = run(host_facts, {'root': str(host)}, capsys)
    facts = out['ansible_facts']['lowlat_k8snet']
    assert out['changed'] is False
    assert facts['topology']['nodes'] == {'0': '0-8,18-26', '1': '9-17,27-35'}
    assert facts['topology']['physical'] == '0-17'
    assert facts['default_interface'] == 'eth0'
    nic = facts['nics']['eth0']
    assert (nic['rx_queues'], nic['tx_queues'], nic['irqs'], nic['other_irqs']) == (2, 2, [60, 61], [62])
    assert nic['numa_node'] is None and nic['pci_address'] == '0000:00:03.0' and nic['mtu'] == 9001
    assert facts['kernel']['release'] == '4.3.0' and facts['kernel']['root_netns'] is True


def test_host_facts_names_the_driver_and_its_excluded_vector(host, capsys):
    nic = run(host_facts, {'root': str(host)}, capsys)['ansible_facts']['lowlat_k8snet']['nics']['eth0']
    assert nic['driver'] == 'ixgbevf' and nic['irq_naming'] == 'ixgbevf' and nic['bus_info'] == '0000:00:03.0'
    assert nic['excluded_irqs'] == [{'irq': 62, 'name': 'eth0',
                                     'reason': 'the device vector named after the interface (mailbox, link, slowpath)'}]
    assert "driver ixgbevf's names" in nic['irq_note']


def test_host_facts_reads_every_source_of_isolated_cpus(host, capsys):
    put(host, 'proc/cmdline', 'BOOT_IMAGE=/vmlinuz root=/dev/vda1 isolcpus=managed_irq,domain,2-3 nohz_full=4-5\n')
    put(host, 'sys/devices/system/cpu/isolated', '2-3\n')
    put(host, 'sys/devices/system/cpu/nohz_full', '4-5\n')
    put(host, 'sys/fs/cgroup/cpuset.cpus.isolated', '6\n')
    topology = run(host_facts, {'root': str(host)}, capsys)['ansible_facts']['lowlat_k8snet']['topology']
    assert topology['isolated'] == '2-6'
    assert topology['isolation'] == {'isolcpus': '2-3', 'isolcpus_flags': 'managed_irq,domain',
                                     'nohz_full': '4-5', 'cgroup_isolated': '6'}
    # a kernel without nohz_full prints "(null)"; isolcpus=managed_irq alone is not in /sys/.../isolated
    put(host, 'sys/devices/system/cpu/nohz_full', '(null)\n')
    put(host, 'sys/devices/system/cpu/isolated', '\n')
    put(host, 'proc/cmdline', 'root=/dev/vda1 isolcpus=managed_irq,7\n')
    os.unlink(os.path.join(str(host), 'sys/fs/cgroup/cpuset.cpus.isolated'))
    out = run(host_facts, {'root': str(host)}, capsys)
    assert 'ansible_facts' in out, out
    topology = out['ansible_facts']['lowlat_k8snet']['topology']
    assert topology['isolated'] == '7' and topology['isolation'] == {'isolcpus': '7', 'isolcpus_flags': 'managed_irq'}


def test_host_facts_unknown_interface(host, capsys):
    out = run(host_facts, {'root': str(host), 'interfaces': ['eth9']}, capsys)
    assert out['failed'] and 'eth9' in out['msg'] and 'eth0' in out['msg']


STUDY = {'interface': 'eth0', 'rps_cpus': '1-8,10-17',
         'xps_cpus': {'tx-0': '0-8,18-26', 'tx-1': '9-17,27-35'},
         'rps_flow_cnt': 32768, 'rps_sock_flow_entries': 60000}


def test_queue_steering_check_mode_writes_nothing(host, capsys):
    out = run(queue_steering, dict(STUDY, root=str(host)), capsys, check=True, diff=True)
    assert out['changed'] is True
    assert get(host, 'sys/class/net/eth0/queues/rx-0/rps_cpus') == '0,00000000'
    assert get(host, 'proc/sys/net/core/rps_sock_flow_entries') == '0'
    assert 'rx-0 rps_cpus: 1-8,10-17' in out['diff']['after']
    assert out['rps_sock_flow_entries'] == {'before': 0, 'after': 65536}


def test_queue_steering_applies_exact_width_then_is_idempotent(host, capsys):
    out = run(queue_steering, dict(STUDY, root=str(host)), capsys)
    assert out['changed'] is True
    assert get(host, 'sys/class/net/eth0/queues/rx-1/rps_cpus') == '00000000,0003fdfe'
    assert get(host, 'sys/class/net/eth0/queues/tx-1/xps_cpus') == '0000000f,f803fe00'
    # the kernel would round 60000 up to 65536; emulate what it reads back
    put(host, 'proc/sys/net/core/rps_sock_flow_entries', '65536\n')
    put(host, 'sys/class/net/eth0/queues/tx-0/xps_cpus', '0,07fc01ff\n')   # kernel's short top word
    again = run(queue_steering, dict(STUDY, root=str(host)), capsys, diff=True)
    assert again['changed'] is False
    assert again['diff'] == {'before': '', 'after': ''}


@pytest.mark.parametrize('args, words', [
    ({'interface': 'eth7'}, "interface 'eth7' does not exist"),
    ({'rps_cpus': '0-40'}, 'CPU 36-40 does not exist on this host (possible CPUs: 0-35)'),
    ({'rps_cpus': 'one'}, "'one' is not a CPU number"),
    ({'rps_cpus': True}, 'boolean'),
    ({'xps_cpus': {'tx-5': '1'}}, "'tx-5' is not a tx queue of eth0; its tx queues are tx-0, tx-1"),
    ({'rps_flow_cnt': {'rx-0': 'many'}}, 'rps_flow_cnt of eth0 rx-0 must be a whole number'),
    ({'rps_flow_cnt': False}, 'must be a whole number'),
    ({'rps_sock_flow_entries': 1 << 30}, 'at most 536870912'),
])
def test_queue_steering_bad_input_writes_nothing(host, capsys, args, words):
    base = {'interface': 'eth0', 'rps_cpus': '1-8', 'root': str(host)}
    base.update(args)
    out = run(queue_steering, base, capsys)
    assert out['failed'] is True
    assert words in out['msg']
    assert get(host, 'sys/class/net/eth0/queues/rx-0/rps_cpus') == '0,00000000'


def test_queue_steering_outside_root_netns(host, capsys):
    os.remove(os.path.join(str(host), 'proc/sys/net/core/rps_sock_flow_entries'))
    out = run(queue_steering, dict(STUDY, root=str(host)), capsys)
    assert out['failed'] and 'only in the root network namespace' in out['msg']
    assert get(host, 'sys/class/net/eth0/queues/rx-0/rps_cpus') == '0,00000000'


def test_queue_steering_drops_isolated_cpus_from_rps(host, capsys):
    put(host, 'sys/devices/system/cpu/isolated', '1-4\n')
    out = run(queue_steering, {'interface': 'eth0', 'rps_cpus': '1-8', 'root': str(host)}, capsys)
    assert out['queues']['rx-0']['rps_cpus']['after'] == '5-8'
    assert any('isolated CPUs 1-4' in note for note in out['notes'])
    bad = run(queue_steering, {'interface': 'eth0', 'rps_cpus': '1-4', 'root': str(host)}, capsys)
    assert bad['failed'] and 'is isolated' in bad['msg']


def test_irq_affinity_check_apply_rerun(host, capsys):
    args = {'irqs': {'60': '0', '61': [9]}, 'root': str(host)}
    check = run(irq_affinity, args, capsys, check=True, diff=True)
    assert check['changed'] and check['changed_irqs'] == [60, 61]
    assert get(host, 'proc/irq/60/smp_affinity_list') == '0-35'
    assert 'irq 61: 9' in check['diff']['after']
    applied = run(irq_affinity, args, capsys)
    assert applied['changed'] and applied['irqs']['61']['after'] == '9'
    assert get(host, 'proc/irq/61/smp_affinity_list') == '9'
    again = run(irq_affinity, args, capsys)
    assert again['changed'] is False and again['irqs']['60']['status'] == 'unchanged'


def test_irq_affinity_managed_irq_is_skipped_unless_strict(host, capsys):
    path = put(host, 'proc/irq/62/smp_affinity_list', '0-35\n', mode=0o444)
    args = {'irqs': {'60': '0', '62': '9'}, 'root': str(host)}
    out = run(irq_affinity, args, capsys)
    assert out['changed'] and out['irqs']['62']['status'] == 'skipped'
    assert 'managed IRQ' in out['refused']['62']
    strict = run(irq_affinity, dict(args, strict=True), capsys)
    assert strict['failed'] and 'refused to change IRQs 62' in strict['msg']
    os.chmod(path, 0o644)


@pytest.mark.parametrize('irqs, words', [
    ({'99': '0'}, 'IRQ 99 does not exist'),
    ({'60': '0', '61': '36'}, 'IRQ 61: CPU 36 is not an online CPU of this host (online: 0-35)'),
    ({'60': ''}, 'IRQ 60: an empty CPU list is not allowed'),
    ({'eth0': '0'}, "IRQ 'eth0' is not an IRQ number"),
    ({'60': True}, 'boolean'),
])
def test_irq_affinity_bad_input_writes_nothing(host, capsys, irqs, words):
    out = run(irq_affinity, {'irqs': dict({'61': '9'}, **irqs), 'root': str(host)}, capsys)
    assert out['failed'] and words in out['msg']
    assert get(host, 'proc/irq/61/smp_affinity_list') == '0-35'


def recorded(host):
    with open(os.path.join(str(host), 'var/originals.json')) as handle:
        return dict((key, entry['value']) for key, entry in json.load(handle)['entries'].items())


def test_queue_steering_never_overwrites_a_recorded_original(host, capsys):
    """Two different plans in a row: the record keeps what the kernel had before the first, and
    restore puts exactly that back."""
    record = os.path.join(str(host), 'var/originals.json')
    first = run(queue_steering, dict(STUDY, root=str(host), record=record), capsys)
    assert first['changed'] and get(host, 'sys/class/net/eth0/queues/rx-0/rps_cpus') == '00000000,0003fdfe'
    original = recorded(host)
    assert original['/sys/class/net/eth0/queues/rx-0/rps_cpus'] == '0,00000000'
    assert original['/sys/class/net/eth0/queues/tx-1/xps_cpus'] == '0,00000000'
    second = run(queue_steering, {'interface': 'eth0', 'rps_cpus': '1-4', 'xps_cpus': {'tx-1': '9'},
                                  'rps_flow_cnt': 1024, 'root': str(host), 'record': record}, capsys)
    assert second['changed'] and get(host, 'sys/class/net/eth0/queues/rx-0/rps_cpus') == '00000000,0000001e'
    assert recorded(host) == original
    back = run(restore, {'record': record, 'root': str(host), 'persist_dir': str(host)}, capsys)
    assert not back.get('failed'), back
    for rel in ('rx-0/rps_cpus', 'rx-1/rps_flow_cnt', 'tx-1/xps_cpus'):
        assert get(host, 'sys/class/net/eth0/queues/' + rel) == original['/sys/class/net/eth0/queues/' + rel]


DEFAULT_MASK = 'proc/sys/net/core/rps_default_mask'


def test_rps_default_mask_check_apply_rerun_and_restore(host, capsys):
    """Opt-in RPS for devices created later in the namespace (pod veths): recorded before the
    first write, written at the host's mask width, no change on a rerun, put back by restore."""
    put(host, DEFAULT_MASK, '0,00000000\n')
    record = os.path.join(str(host), 'var/originals.json')
    persist = os.path.join(str(host), 'etc/persist/packet_steering-eth0.json')
    args = {'interface': 'eth0', 'rps_default_mask': '0-3,18-21', 'root': str(host), 'record': record,
            'persist': persist}
    check = run(queue_steering, args, capsys, check=True, diff=True)
    assert check['changed'] and check['rps_default_mask'] == {'before': '', 'after': '0-3,18-21'}
    assert 'net.core.rps_default_mask: 0-3,18-21' in check['diff']['after']
    assert get(host, DEFAULT_MASK) == '0,00000000' and not os.path.exists(record) and not os.path.exists(persist)
    out = run(queue_steering, args, capsys)
    assert out['changed'] is True
    # CPUs 0-3 and 18-21 on a 36-CPU host: two words, bits written out by hand
    expected = '%08x,%08x' % (0, (1 << 0 | 1 << 1 | 1 << 2 | 1 << 3 | 1 << 18 | 1 << 19 | 1 << 20 | 1 << 21))
    assert get(host, DEFAULT_MASK) == expected == '00000000,003c000f'
    assert recorded(host) == {'/' + DEFAULT_MASK: '0,00000000'}
    with open(persist) as handle:
        assert {'path': '/' + DEFAULT_MASK, 'value': expected} in json.load(handle)['writes']
    put(host, DEFAULT_MASK, '0,003c000f\n')     # as the kernel prints it back: the short top word
    assert run(queue_steering, args, capsys)['changed'] is False
    back = run(restore, {'record': record, 'root': str(host), 'persist_dir': str(host), 'modules': ['queue_steering']},
               capsys)
    assert back['restored'] == {'/' + DEFAULT_MASK: {'before': '0,003c000f', 'after': '0,00000000'}}
    assert get(host, DEFAULT_MASK) == '0,00000000'


@pytest.mark.parametrize('value, words', [
    ('0-40', 'rps_default_mask: CPU 36-40 does not exist on this host (possible CPUs: 0-35)'),
    ('all', "'all' is not a CPU number"),
    (True, 'boolean'),
])
def test_rps_default_mask_bad_input_writes_nothing(host, capsys, value, words):
    put(host, DEFAULT_MASK, '0,00000000\n')
    out = run(queue_steering, {'interface': 'eth0', 'rps_cpus': '1-8', 'rps_default_mask': value,
                               'root': str(host)}, capsys)
    assert out['failed'] and words in out['msg'], out
    assert get(host, DEFAULT_MASK) == '0,00000000'
    assert get(host, 'sys/class/net/eth0/queues/rx-0/rps_cpus') == '0,00000000'


def test_rps_default_mask_is_skipped_where_the_kernel_lacks_it(host, capsys):
    # the fixture host has no /proc/sys/net/core/rps_default_mask, as kernels before 6.2
    out = run(queue_steering, {'interface': 'eth0', 'rps_cpus': '1-8', 'rps_default_mask': '0-3',
                               'root': str(host)}, capsys)
    assert not out.get('failed') and out['changed'] is True, out
    assert 'not on this kernel (it came in 6.2' in out['rps_default_mask']['skipped']
    assert any('rps_default_mask' in note for note in out['notes'])
    assert not os.path.exists(os.path.join(str(host), DEFAULT_MASK))


def test_irq_affinity_never_overwrites_a_recorded_original(host, capsys):
    record = os.path.join(str(host), 'var/originals.json')
    run(irq_affinity, {'irqs': {'60': '0', '61': '9'}, 'root': str(host), 'record': record}, capsys)
    original = recorded(host)
    assert original == {'irq:eth0-TxRx-0': '0-35', 'irq:eth0-TxRx-1': '0-35'}
    run(irq_affinity, {'irqs': {'60': '5', '61': '7'}, 'root': str(host), 'record': record}, capsys)
    assert get(host, 'proc/irq/60/smp_affinity_list') == '5'
    assert recorded(host) == original
    back = run(restore, {'record': record, 'root': str(host), 'persist_dir': str(host)}, capsys)
    assert sorted(back['restored']) == ['/proc/irq/60/smp_affinity_list', '/proc/irq/61/smp_affinity_list']
    assert get(host, 'proc/irq/60/smp_affinity_list') == '0-35' and get(host, 'proc/irq/61/smp_affinity_list') == '0-35'


# Debian 12's /etc/default/irqbalance, shortened, with an option of the user's own
IRQBALANCE_DEFAULT = ('# irqbalance is a daemon process that distributes interrupts across\n'
                      '#IRQBALANCE_ONESHOT=\n'
                      'IRQBALANCE_ARGS="--policyscript=/etc/irqbalance.d/policy"\n')


def raw(root, rel):
    with open(os.path.join(str(root), rel)) as handle:
        return handle.read()


def test_irq_affinity_bans_in_irqbalance_keeps_the_user_s_lines_and_unbans_exactly(host, capsys):
    put(host, 'etc/default/irqbalance', IRQBALANCE_DEFAULT)
    args = {'irqs': {'60': '0', '61': '9'}, 'irqbalance': 'ban', 'root': str(host)}
    check = run(irq_affinity, args, capsys, check=True)
    assert check['irqbalance'] == {'config': '/etc/default/irqbalance', 'changed': True}
    assert raw(host, 'etc/default/irqbalance') == IRQBALANCE_DEFAULT
    out = run(irq_affinity, args, capsys)
    assert out['changed'] and out['drift'] == []
    # as blockinfile writes it: the user's lines, then our block between its two markers; the block
    # comes last and wins, so it carries the user's own option on
    assert raw(host, 'etc/default/irqbalance') == IRQBALANCE_DEFAULT + (
        '# BEGIN lowlat.k8snet irq_affinity\n'
        'IRQBALANCE_BANNED_CPULIST=0,9\n'
        'IRQBALANCE_ARGS="--policyscript=/etc/irqbalance.d/policy --banirq=60 --banirq=61"\n'
        '# END lowlat.k8snet irq_affinity\n')
    assert run(irq_affinity, args, capsys)['changed'] is False
    gone = run(irq_affinity, {'irqs': {}, 'irqbalance': 'unban', 'root': str(host)}, capsys)
    assert gone['changed'] and raw(host, 'etc/default/irqbalance') == IRQBALANCE_DEFAULT
    assert run(irq_affinity, {'irqs': {}, 'irqbalance': 'unban', 'root': str(host)}, capsys)['changed'] is False


def test_the_user_s_own_ban_is_kept_in_ours(host, capsys):
    text = IRQBALANCE_DEFAULT + 'IRQBALANCE_BANNED_CPULIST=30-31\nexport IRQBALANCE_BANNED_CPUS=00000004\n'
    put(host, 'etc/default/irqbalance', text)
    out = run(irq_affinity, {'irqs': {'60': '0', '61': '9'}, 'irqbalance': 'ban', 'root': str(host),
                             'irqbalance_banned_cpus': '0,9'}, capsys)
    assert out['changed']
    # irqbalance 1.9 reads only the CPU list: the user's list and their older hex mask (CPU 2) go into it
    assert 'IRQBALANCE_BANNED_CPULIST=0,2,9,30-31\n' in raw(host, 'etc/default/irqbalance')
    run(irq_affinity, {'irqs': {}, 'irqbalance': 'unban', 'root': str(host)}, capsys)
    assert raw(host, 'etc/default/irqbalance') == text


def test_irq_affinity_reports_drift_and_leaves_irqbalance_alone_without_its_config(host, capsys, monkeypatch):
    written = {}
    real = irq_affinity.write_all

    def and_then_moved(changes, record, check_mode):
        result = real(changes, record, check_mode)
        # another writer (irqbalance without a ban) moves IRQ 61 right after our write
        put(host, 'proc/irq/61/smp_affinity_list', '0-35\n')
        written['done'] = True
        return result
    monkeypatch.setattr(irq_affinity, 'write_all', and_then_moved)
    out = run(irq_affinity, {'irqs': {'60': '0', '61': '9'}, 'irqbalance': 'ban', 'root': str(host)}, capsys)
    assert written and out['drift'] == [61], out
    assert out['irqbalance'] == {'config': None, 'changed': False}
    # nothing on the tree rewrites IRQs: the writer is unknown, the queue known from the IRQ's name
    assert [(e['irq'], e['interface'], e['queue'], e['planned'], e['now'], e['writer']) for e in out['drift_report']] \
        == [(61, 'eth0', 1, '9', '0-35', 'unknown')]


def test_drift_names_a_running_irqbalance_that_does_not_ban_the_irq(host, capsys, monkeypatch):
    put(host, 'proc/812/comm', 'irqbalance\n')
    put(host, 'proc/812/cmdline', '/usr/sbin/irqbalance\0--foreground\0--banirq=60\0')
    real = irq_affinity.write_all

    def and_then_moved(changes, record, check_mode):
        result = real(changes, record, check_mode)
        put(host, 'proc/irq/60/smp_affinity_list', '3\n')
        put(host, 'proc/irq/61/smp_affinity_list', '4\n')
        return result
    monkeypatch.setattr(irq_affinity, 'write_all', and_then_moved)
    out = run(irq_affinity, {'irqs': {'60': '0', '61': '9'}, 'root': str(host)}, capsys)
    assert out['drift'] == [60, 61]
    by_irq = dict((e['irq'], e) for e in out['drift_report'])
    # IRQ 60 is banned on irqbalance's command line: not its doing
    assert by_irq[60]['writer'] == 'unknown' and by_irq[61]['writer'] == 'irqbalance'
    assert 'pid 812' in by_irq[61]['reason']
    # nothing is written again: drift is reported, not fought
    assert get(host, 'proc/irq/61/smp_affinity_list') == '4'


def test_irq_affinity_bans_the_plan_s_irq_cpus_when_given(host, capsys):
    put(host, 'etc/default/irqbalance', IRQBALANCE_DEFAULT)
    args = {'irqs': {'60': '0', '61': '9'}, 'irqbalance': 'ban', 'irqbalance_banned_cpus': '0,9-12', 'root': str(host)}
    run(irq_affinity, args, capsys)
    assert 'IRQBALANCE_BANNED_CPULIST=0,9-12\n' in raw(host, 'etc/default/irqbalance')
    bad = run(irq_affinity, dict(args, irqs={'60': '5'}, irqbalance_banned_cpus='zero'), capsys)
    assert bad['failed'] and 'irqbalance_banned_cpus' in bad['msg']
    assert get(host, 'proc/irq/60/smp_affinity_list') == '0'


def test_possible_cpus_with_holes_give_the_kernel_s_mask_width(host, capsys):
    # possible 0-3,8-11 (a hole, as firmware can leave one): the kernel's masks are nr_cpu_ids = highest
    # possible CPU + 1 = 12 bits wide, not 8 (the count), and CPU 11 is a valid target
    put(host, 'sys/devices/system/cpu/online', '0-3,8-11\n')
    put(host, 'sys/devices/system/cpu/possible', '0-3,8-11\n')
    put(host, 'sys/devices/system/node/node0/cpulist', '0-3\n')
    put(host, 'sys/devices/system/node/node1/cpulist', '8-11\n')
    facts = run(host_facts, {'root': str(host)}, capsys)['ansible_facts']['lowlat_k8snet']
    assert facts['topology']['possible'] == 11 + 1
    out = run(queue_steering, {'interface': 'eth0', 'rps_cpus': '11', 'root': str(host)}, capsys)
    assert not out.get('failed'), out
    assert int(get(host, 'sys/class/net/eth0/queues/rx-0/rps_cpus').replace(',', ''), 16) == 1 << 11


class FakeSystemd(object):
    """irqbalance.service as systemctl would report and change it; every command kept."""

    def __init__(self, active, enabled):
        self.active, self.enabled = active, enabled
        self.commands = []

    def __call__(self, module, args, check_rc=False, **kwargs):
        self.commands.append(' '.join(args))
        verb = args[1]
        if verb == 'is-active':
            return (0 if self.active else 3), '', ''
        if verb == 'is-enabled':
            return (0 if self.enabled else 1), '', ''
        if verb == 'disable':
            self.enabled = False
            self.active = self.active and '--now' not in args
        elif verb == 'enable':
            self.enabled = True
        elif verb == 'start':
            self.active = True
        return 0, '', ''


@pytest.fixture
def systemd(monkeypatch):
    def make(active, enabled):
        fake = FakeSystemd(active, enabled)

        def run_command(module, args, **kwargs):
            return fake(module, args, **kwargs)
        monkeypatch.setattr(irq_affinity.AnsibleModule, 'run_command', run_command)
        # both modules ask irqbalance.systemd_here
        monkeypatch.setattr(irqbalance_utils, 'systemd_here', lambda module: True)
        return fake
    return make


@pytest.mark.parametrize('active, enabled', [(True, True), (True, False), (False, True), (False, False)])
def test_stop_records_irqbalance_and_reset_brings_back_exactly_that(host, capsys, systemd, active, enabled):
    put(host, 'etc/default/irqbalance', IRQBALANCE_DEFAULT)
    fake = systemd(active, enabled)
    record = os.path.join(str(host), 'var/originals.json')
    args = {'irqs': {'60': '0'}, 'irqbalance': 'stop', 'root': str(host), 'record': record}
    check = run(irq_affinity, args, capsys, check=True)
    assert check['irqbalance']['changed'] is (active or enabled)
    assert (fake.active, fake.enabled) == (active, enabled) and not os.path.exists(record), 'check mode changed'
    out = run(irq_affinity, args, capsys)
    assert (fake.active, fake.enabled) == (False, False)
    if active or enabled:
        before = '%s, %s' % ('running' if active else 'stopped', 'enabled' if enabled else 'disabled')
        assert out['irqbalance']['service']['before'] == before
        with open(record) as handle:
            assert json.load(handle)['entries']['service:irqbalance.service']['value'] == \
                {'active': active, 'enabled': enabled}
    # a second run finds it stopped: the record keeps what it was before the first
    assert run(irq_affinity, args, capsys)['changed'] is False
    fake.commands[:] = []
    back = run(restore, {'record': record, 'root': str(host), 'persist_dir': str(host),
                         'modules': ['irq_affinity']}, capsys)
    assert not back.get('failed'), back
    assert (fake.active, fake.enabled) == (active, enabled)
    expected = ['systemctl enable irqbalance.service'] * enabled + ['systemctl start irqbalance.service'] * active
    assert [c for c in fake.commands if not c.startswith('systemctl is-')] == expected
    again = run(restore, {'record': record, 'root': str(host), 'persist_dir': str(host),
                          'modules': ['irq_affinity']}, capsys)
    assert again['changed'] is False and (fake.active, fake.enabled) == (active, enabled)


def test_restore_leaves_irqbalance_alone_when_another_role_resets(host, capsys, systemd):
    put(host, 'etc/default/irqbalance', IRQBALANCE_DEFAULT)
    fake = systemd(True, True)
    record = os.path.join(str(host), 'var/originals.json')
    run(irq_affinity, {'irqs': {'60': '0'}, 'irqbalance': 'stop', 'root': str(host), 'record': record}, capsys)
    run(restore, {'record': record, 'root': str(host), 'persist_dir': str(host), 'modules': ['sysctl']}, capsys)
    assert (fake.active, fake.enabled) == (False, False)
    assert 'service:irqbalance.service' in recorded(host)
