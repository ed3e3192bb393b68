# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The newest benchmark run of the lab: every point measured, percentiles, flags, report, and the
nginx workers' CPU affinity as the kernel had it at each point."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import json
import os
import subprocess

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '.build', 'lab', 'bench')
RUN = os.path.join(ROOT, sorted(os.listdir(ROOT))[-1])


def load(name):
    with open(os.path.join(RUN, name)) as handle:
        return json.load(handle)


SERIES = ['host', 'host-untuned', 'macvlan', 'macvlan-untuned']
# molecule/benchmark/converge.yml's rates: half the maximum, and a target no lab reaches (the lab's
# two shared vCPUs serve some 50,000 requests per second; this is 40 times that)
UNREACHABLE = 2000000


def test_every_point_was_measured():
    results = load('results.json')
    ids = sorted(p['id'] for p in results['points'])
    assert ids == sorted(['max-r1-%s-100-max' % s for s in SERIES]
                         + ['rate-r%d-%s-100-%s' % (r, s, rate) for r in (1, 2) for s in SERIES
                            for rate in ('50pct', UNREACHABLE)]), ids
    assert sorted(results['max_rates']) == SERIES
    for point in results['points']:
        assert point['requests'] > 0 and point['errors'] == 0, point['id']
        assert list(point['cpu']) == ['node1'] and point['outside_pressure'] is not None
        assert all(cpu.isdigit() for cpu in point['cpu']['node1']) and point['interrupts']['node1']
        if point['kind'] == 'max':
            # wrk's closed loop: its own percentiles, no per-request log
            assert point['tool'] == 'wrk' and 0 < point['latency_us']['p50'] <= point['latency_us']['p99']
            continue
        assert point['tool'] == 'h2load'
        assert point['latency_us']['p50'] <= point['latency_us']['p99'] <= point['latency_us']['p99.999']
        if point['rate'] == UNREACHABLE:
            # a known answer: the lab cannot serve it, so the point must say it is saturated
            assert point['target_rate'] >= UNREACHABLE - 64 and point['saturated'] is True, point
            assert point['achieved_rate'] < UNREACHABLE / 4
            continue
        # the target is half the tuned maximum, untuned points too (the same offered load)
        maximum = results['max_rates'][point['mode']]['100']
        assert abs(point['target_rate'] - maximum / 2) <= 0.02 * maximum + 64


def test_repeats_are_merged_with_their_spread():
    merged = load('results.json')['merged']
    assert sorted((m['series'], str(m['rate'])) for m in merged) == \
        sorted((s, r) for s in SERIES for r in ('50%', str(UNREACHABLE)))
    for m in merged:
        assert m['repeats'] == 2
        low, high = m['spread']['p99']
        assert low <= high


def test_tuned_and_untuned_alternate_and_are_compared():
    results = load('results.json')
    order = [(p['repeat'], p['tuning']) for p in sorted(results['points'], key=lambda p: p['started'])
             if p['kind'] == 'rate']
    assert order == [(1, 'tuned')] * 4 + [(1, 'untuned')] * 4 + [(2, 'untuned')] * 4 + [(2, 'tuned')] * 4
    with open(os.path.join(RUN, 'report.html')) as handle:
        page = handle.read()
    assert 'Untuned against tuned, at the same offered load' in page


def test_csv_report_and_charts():
    with open(os.path.join(RUN, 'results.csv')) as handle:
        assert len(list(csv.DictReader(handle))) == 20
    with open(os.path.join(RUN, 'report.html')) as handle:
        page = handle.read()
    assert 'latency-50pct-100.png' in page and '<td>macvlan</td>' in page
    with open(os.path.join(RUN, 'latency-50pct-100.png'), 'rb') as handle:
        assert handle.read(4) == b'\x89PNG'
    env = load('environment.json')
    assert env['modes'] == ['host', 'macvlan'] and env['kernel'] and env['tunings'] == ['tuned', 'untuned']


def node1(*argv):
    return subprocess.run(['podman', 'exec', 'lowlat-node1'] + list(argv), capture_output=True, text=True,
                          check=True).stdout


def cpus(text):
    result = set()
    for part in text.strip().split(','):
        if part:
            first, _sep, last = part.partition('-')
            result.update(range(int(first), int(last or first) + 1))
    return result


def load_point(point_id):
    with open(os.path.join(RUN, 'raw', point_id, 'meta.json')) as handle:
        return json.load(handle)


def test_nginx_workers_as_the_kernel_had_them():
    """Tuned: one worker per physical core of the server, each allowed on its own core only.
    Untuned: as installed, a worker per online CPU, none of them pinned. Read from each running
    worker's /proc/PID/status at every point; the cores from the server's own sysfs."""
    online = cpus(node1('cat', '/sys/devices/system/cpu/online'))
    siblings = node1('sh', '-c', 'cat /sys/devices/system/cpu/cpu[0-9]*/topology/thread_siblings_list').split()
    physical = set(min(cpus(group)) for group in siblings)
    assert physical and physical <= online
    for point in load('results.json')['points']:
        workers = load_point(point['id'])['servers']['node1']['nginx_workers']
        allowed = [cpus(w['cpus']) for w in workers]
        assert workers and len(set(w['pid'] for w in workers)) == len(workers), point['id']
        if point['tuning'] == 'tuned':
            assert sorted(min(a) for a in allowed) == sorted(physical), (point['id'], workers)
            assert all(len(a) == 1 for a in allowed), (point['id'], workers)
        else:
            assert len(workers) == len(online) and all(a == online for a in allowed), (point['id'], workers)


def test_cleanup_stopped_nginx_and_removed_the_pods():
    state = subprocess.run(['podman', 'exec', 'lowlat-node1', 'systemctl', 'is-active', 'lowlat-bench-nginx'],
                           capture_output=True, text=True, check=False).stdout.strip()
    assert state == 'inactive'
    pods = subprocess.run(['podman', 'exec', 'lowlat-node1', 'ip', 'netns', 'list'],
                          capture_output=True, text=True, check=True).stdout
    assert pods.strip() == ''
