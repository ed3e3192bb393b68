# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The readings module on a /proc tree of captures from the qemu guests (the benchmark reads the
real /proc of its servers): every counter by name, and the report's parsers take them as they are."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible.module_utils.testing import patch_module_args
from ansible_collections.lowlat.k8snet.plugins.module_utils import bench
from ansible_collections.lowlat.k8snet.plugins.modules import readings
from ansible_collections.lowlat.k8snet.tests.unit.fixture_text import put, read as fixture


def run(args, capsys):
    with patch_module_args(dict(args, _ansible_check_mode=False)):
        with pytest.raises(SystemExit):
            readings.main()
    return json.loads(capsys.readouterr().out)


def tree(root, stat, conntrack=None):
    put(root, 'proc/stat', fixture(stat))
    put(root, 'proc/interrupts', fixture('vm2_interrupts.txt'))
    put(root, 'proc/pressure/cpu', fixture('vm2_pressure_cpu.txt'))
    if conntrack is not None:
        put(root, 'proc/sys/net/netfilter/nf_conntrack_count', conntrack)


def test_every_counter_by_name_and_the_report_parses_them(tmp_path, capsys):
    tree(tmp_path, 'vm2_stat_before.txt', '17\n')
    before = run({'root': str(tmp_path), 'quiet': 0.05}, capsys)
    assert before['changed'] is False
    got = before['readings']
    assert got['stat'] == fixture('vm2_stat_before.txt').strip()
    assert got['interrupts'] == fixture('vm2_interrupts.txt').strip()
    assert got['pressure'] == got['quiet_before'] == got['quiet_after'] == fixture('vm2_pressure_cpu.txt').strip()
    assert got['conntrack_count'] == 17 and got['quiet_seconds'] >= 0.05
    tree(tmp_path, 'vm2_stat_after.txt')
    os.unlink(os.path.join(str(tmp_path), 'proc/sys/net/netfilter/nf_conntrack_count'))
    after = run({'root': str(tmp_path)}, capsys)['readings']
    assert after['conntrack_count'] is None and 'quiet_before' not in after and after['time'] >= got['time']
    # what the report computes from the two readings is what it computes from the captures
    assert bench.cpu_usage(got['stat'], after['stat']) == \
        bench.cpu_usage(fixture('vm2_stat_before.txt'), fixture('vm2_stat_after.txt'))


def test_a_negative_window_is_refused(tmp_path, capsys):
    out = run({'root': str(tmp_path), 'quiet': -1}, capsys)
    assert out['failed'] and 'quiet must be 0 or more seconds, got -1' in out['msg']
