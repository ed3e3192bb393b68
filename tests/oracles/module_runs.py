# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Count, per host, the module runs of a playbook run from Ansible's JSON output.

A module run is a task (or one item of a looped task) that executed on the host itself: not
skipped, not delegated to the controller, and not an action that never leaves the controller
(set_fact, assert, debug, include_*...). Used to show that the module runs per host do not grow
with a NIC's queues or IRQs (molecule/vm/queues.yml).

    ANSIBLE_STDOUT_CALLBACK=ansible.posix.json ansible-playbook ... > run.json
    python3 tests/oracles/module_runs.py run.json      # {"host": {"action": runs, ...}, ...}
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import sys

CONTROLLER_ONLY = frozenset(
    'ansible.builtin.%s' % name for name in (
        'set_fact', 'assert', 'debug', 'fail', 'meta', 'include_tasks', 'include_role', 'import_tasks',
        'import_role', 'include_vars', 'validate_argument_spec', 'add_host', 'group_by', 'set_stats',
        'pause', 'end_play', 'end_host'))


def _short(action):
    return action if '.' in action else 'ansible.builtin.' + action


def _ran_here(result):
    if result.get('skipped'):
        return False
    # a delegated task ran on the host it was delegated to (here: the controller), not on this one
    return not result.get('_ansible_delegated_vars')


def runs(report):
    """{host: {action: module runs}} of an ansible.posix.json report."""
    counts = {}
    for play in report.get('plays', []):
        for task in play.get('tasks', []):
            for host, result in task.get('hosts', {}).items():
                action = _short(result.get('action', ''))
                per_host = counts.setdefault(host, {})
                if action in CONTROLLER_ONLY:
                    continue
                items = result.get('results') if isinstance(result.get('results'), list) else [result]
                done = sum(1 for item in items if isinstance(item, dict) and _ran_here(item))
                if done:
                    per_host[action] = per_host.get(action, 0) + done
    return counts


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    with (open(argv[0]) if argv else sys.stdin) as handle:
        text = handle.read()
    # the report is the JSON document that starts a line; warnings may come before or after it
    start = text.index('{') if text.startswith('{') else text.index('\n{') + 1
    report, _end = json.JSONDecoder().raw_decode(text[start:])
    print(json.dumps(runs(report), indent=1, sort_keys=True))
    return 0


if __name__ == '__main__':
    sys.exit(main())
