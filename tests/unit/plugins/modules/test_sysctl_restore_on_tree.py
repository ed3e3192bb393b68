# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sysctl and restore modules on a /proc/sys tree (the lab and CI run them on real kernels)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible.module_utils.testing import patch_module_args
from ansible_collections.lowlat.k8snet.plugins.modules import restore, sysctl
from ansible_collections.lowlat.k8snet.tests.unit.fixture_text import put


def get(root, rel):
    with open(os.path.join(str(root), rel)) as handle:
        return handle.read()


@pytest.fixture
def tree(tmp_path):
    put(tmp_path, 'proc/sys/net/ipv4/tcp_fin_timeout', '60\n')
    put(tmp_path, 'proc/sys/net/ipv4/ip_local_port_range', '32768\t60999\n')
    put(tmp_path, 'proc/sys/fs/file-max', '9223372036854775807\n')
    put(tmp_path, 'proc/sys/net/core/rps_sock_flow_entries', '0\n')
    return tmp_path


def run(module, args, capsys, check=False):
    args = dict(args, _ansible_check_mode=check, _ansible_diff=True)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


def args_for(tree, settings, **extra):
    base = {'settings': settings, 'root': str(tree), 'file': os.path.join(str(tree), 'etc/90-test.conf'),
            'record': os.path.join(str(tree), 'var/originals.json')}
    base.update(extra)
    return base


STUDY = [{'name': 'net.ipv4.tcp_fin_timeout', 'value': 10},
         {'name': 'net.ipv4.ip_local_port_range', 'value': [2000, 65535]},
         {'name': 'fs.file-max', 'value': '1024000'},
         {'name': 'net.ipv4.tcp_tw_recycle', 'value': 1}]


def test_check_apply_rerun_and_missing_sysctl(tree, capsys):
    check = run(sysctl, args_for(tree, STUDY), capsys, check=True)
    assert check['changed'] and get(tree, 'proc/sys/net/ipv4/tcp_fin_timeout') == '60\n'
    assert not os.path.exists(os.path.join(str(tree), 'etc/90-test.conf'))
    out = run(sysctl, args_for(tree, STUDY), capsys)
    assert out['applied']['net.ipv4.ip_local_port_range'] == {'before': '32768 60999', 'after': '2000 65535'}
    assert 'not on this kernel' in out['not_applied']['net.ipv4.tcp_tw_recycle']
    conf = get(tree, 'etc/90-test.conf')
    assert 'net.ipv4.tcp_fin_timeout = 10\n' in conf and 'fs.file-max = 1024000\n' in conf
    assert '# net.ipv4.tcp_tw_recycle left out' in conf
    put(tree, 'proc/sys/net/ipv4/ip_local_port_range', '2000\t65535\n')   # as the kernel prints it
    assert run(sysctl, args_for(tree, STUDY), capsys)['changed'] is False


def test_host_global_false_skips_global_sysctls(tree, capsys):
    out = run(sysctl, args_for(tree, STUDY[:3], host_global=False), capsys)
    assert 'host-global' in out['not_applied']['fs.file-max']
    assert 'fs.file-max' not in get(tree, 'etc/90-test.conf')


@pytest.mark.parametrize('settings, words', [
    ([{'name': 'net.ipv4.tcp_tw_reuse', 'value': True}], 'boolean True'),
    ([{'name': 'not a name', 'value': 1}], "'not a name' is not a sysctl name"),
    ([{'name': 'net.ipv4.tcp_fin_timeout', 'value': 1, 'state': 'on'}], "state 'on' is not valid"),
    ([{'name': 'net.ipv4.tcp_fin_timeout', 'value': {'a': 1}}], 'is not valid'),
    ([{'name': 'net.ipv4.tcp_fin_timeout', 'vaule': 1}], 'unknown keys vaule'),
    ([{'name': 'net.ipv4.tcp_fin_timeout', 'value': 1}, {'name': 'net.ipv4.tcp_fin_timeout', 'value': 2}],
     'more than once'),
])
def test_bad_settings_change_nothing(tree, capsys, settings, words):
    out = run(sysctl, args_for(tree, [{'name': 'fs.file-max', 'value': 5}] + settings), capsys)
    assert out['failed'] and words in out['msg']
    assert get(tree, 'proc/sys/fs/file-max') == '9223372036854775807\n'


def test_missing_fail_changes_nothing(tree, capsys):
    out = run(sysctl, args_for(tree, STUDY, missing='fail'), capsys)
    assert out['failed'] and 'net.ipv4.tcp_tw_recycle' in out['msg']
    assert get(tree, 'proc/sys/net/ipv4/tcp_fin_timeout') == '60\n'


def test_restore_puts_back_the_first_values_only(tree, capsys):
    run(sysctl, args_for(tree, STUDY[:3]), capsys)
    run(sysctl, args_for(tree, [{'name': 'net.ipv4.tcp_fin_timeout', 'value': 20}]), capsys)
    record = os.path.join(str(tree), 'var/originals.json')
    args = {'record': record, 'root': str(tree), 'persist_dir': os.path.join(str(tree), 'persist')}
    check = run(restore, args, capsys, check=True)
    assert check['changed'] and get(tree, 'proc/sys/net/ipv4/tcp_fin_timeout') == '20'
    out = run(restore, args, capsys)
    assert out['restored']['/proc/sys/net/ipv4/tcp_fin_timeout'] == {'before': '20', 'after': '60'}
    assert get(tree, 'proc/sys/net/ipv4/tcp_fin_timeout') == '60'
    assert get(tree, 'proc/sys/fs/file-max') == '9223372036854775807'
    assert not os.path.exists(record)
    again = run(restore, args, capsys)
    assert again['changed'] is False and 'nothing to restore' in again['msg']


def test_restore_with_a_corrupt_record_fails_and_writes_nothing(tree, capsys):
    run(sysctl, args_for(tree, STUDY[:1]), capsys)
    record = os.path.join(str(tree), 'var/originals.json')
    with open(record) as handle:
        text = handle.read()
    with open(record, 'w') as handle:
        handle.write(text[:len(text) // 2])   # cut short, as a full disk would leave it
    out = run(restore, {'record': record, 'root': str(tree), 'persist_dir': str(tree)}, capsys)
    assert out['failed'] and out['msg'] == 'the record %s is not valid JSON; nothing was restored' % record
    assert get(tree, 'proc/sys/net/ipv4/tcp_fin_timeout') == '10'
    assert os.path.exists(record)


def test_restore_without_its_record_on_a_tuned_host_fails_and_writes_nothing(tree, capsys):
    """Persisted changes but no record: the values from before are unknown; say so, touch nothing."""
    persist = os.path.join(str(tree), 'etc/lowlat-k8snet/persist')
    put(tree, 'etc/lowlat-k8snet/persist/packet_steering-eth0.json', '{"writes": []}')
    put(tree, 'proc/sys/net/ipv4/tcp_fin_timeout', '10\n')
    record = os.path.join(str(tree), 'var/originals.json')
    out = run(restore, {'record': record, 'root': str(tree), 'persist_dir': persist}, capsys)
    assert out['failed'] and 'the record of original values %s is missing' % record in out['msg']
    assert 'packet_steering-eth0.json' in out['msg'] and 'nothing was restored' in out['msg']
    assert get(tree, 'proc/sys/net/ipv4/tcp_fin_timeout') == '10\n'
    assert os.listdir(persist) == ['packet_steering-eth0.json']


def test_restore_of_one_module_leaves_the_others_originals_in_the_record(tree, capsys):
    run(sysctl, args_for(tree, STUDY[:1]), capsys)
    record = os.path.join(str(tree), 'var/originals.json')
    with open(record) as handle:
        data = json.load(handle)
    # what queue_steering and irq_affinity record (their modules write these entries)
    rps = '/sys/class/net/eth0/queues/rx-0/rps_cpus'
    others = {rps: {'kind': 'path', 'value': '0', 'target': rps},
              'irq:eth0-rx-0': {'kind': 'irq', 'value': '0-1', 'target': {'name': 'eth0-rx-0', 'irq': 40}}}
    data['entries'].update(others)
    with open(record, 'w') as handle:
        json.dump(data, handle)
    put(tree, 'sys/class/net/eth0/queues/rx-0/rps_cpus', '2\n')
    args = {'record': record, 'root': str(tree), 'persist_dir': os.path.join(str(tree), 'persist'),
            'modules': ['sysctl']}
    out = run(restore, args, capsys)
    assert out['changed'] and list(out['restored']) == ['/proc/sys/net/ipv4/tcp_fin_timeout'], out
    assert get(tree, 'proc/sys/net/ipv4/tcp_fin_timeout') == '60'
    assert get(tree, 'sys/class/net/eth0/queues/rx-0/rps_cpus') == '2\n'
    with open(record) as handle:
        assert json.load(handle)['entries'] == others
    assert run(restore, args, capsys)['changed'] is False
    out = run(restore, dict(args, modules=['queue_steering']), capsys)
    assert list(out['restored']) == ['/sys/class/net/eth0/queues/rx-0/rps_cpus']
    with open(record) as handle:
        assert list(json.load(handle)['entries']) == ['irq:eth0-rx-0']
