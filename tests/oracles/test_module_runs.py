# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module runs per host from a real run's JSON output (fixtures/json_callback_run.yml made it)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import module_runs

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures', 'json_callback_run.json')


def load():
    with open(FIXTURE) as handle:
        return json.load(handle)


def test_counts_what_ran_on_each_host():
    """By the playbook: stat once per host (the delegated and the skipped one do not count), the
    loop's two items that ran, the h2-only command; set_fact never leaves the controller."""
    assert module_runs.runs(load()) == {
        'h1': {'ansible.builtin.stat': 1, 'ansible.builtin.command': 2},
        'h2': {'ansible.builtin.stat': 1, 'ansible.builtin.command': 3},
    }


def test_one_more_loop_item_is_one_more_run():
    report = load()
    loop = [t for t in report['plays'][0]['tasks'] if t['task']['name'] == 'A loop of three, one item skipped'][0]
    loop['hosts']['h1']['results'][1].pop('skipped')
    assert module_runs.runs(report)['h1']['ansible.builtin.command'] == 3


def test_command_line(capsys):
    assert module_runs.main([FIXTURE]) == 0
    assert json.loads(capsys.readouterr().out)['h2'] == {'ansible.builtin.command': 3, 'ansible.builtin.stat': 1}
