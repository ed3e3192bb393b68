# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The newest benchmark run of the lab: every point measured, percentiles, flags, report, pinning."""
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


def test_every_point_was_measured():
    results = load('results.json')
    ids = sorted(p['id'] for p in results['points'])
    assert ids == sorted(['max-r1-%s-100-max' % s for s in SERIES]
                         + ['rate-r%d-%s-100-50pct' % (r, s) for r in (1, 2) for s in SERIES]), ids
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
        # the target is half the tuned maximum, untuned points too (the same offered load); under
        # 97 % of it the point must say so
        maximum = results['max_rates'][point['mode']]['100']
        assert abs(point['target_rate'] - maximum / 2) <= 0.02 * maximum + 64
        assert point['saturated'] == (point['achieved_rate'] < 0.97 * point['target_rate'])


def test_repeats_are_merged_with_their_spread():
    merged = load('results.json')['merged']
    assert sorted(m['series'] for m in merged) == SERIES
    for m in merged:
        assert m['repeats'] == 2
        low, high = m['spread']['p99']
        assert low <= high


def test_tuned_and_untuned_alternate_and_are_compared():
    results = load('results.json')
    order = [(p['repeat'], p['tuning']) for p in sorted(results['points'], key=lambda p: p['started'])
             if p['kind'] == 'rate']
    assert order == [(1, 'tuned')] * 2 + [(1, 'untuned')] * 2 + [(2, 'untuned')] * 2 + [(2, 'tuned')] * 2
    with open(os.path.join(RUN, 'report.html')) as handle:
        page = handle.read()
    assert 'Untuned against tuned, at the same offered load' in page


def test_csv_report_and_charts():
    with open(os.path.join(RUN, 'results.csv')) as handle:
        assert len(list(csv.DictReader(handle))) == 12
    with open(os.path.join(RUN, 'report.html')) as handle:
        page = handle.read()
    assert 'latency-50pct-100.png' in page and '<td>macvlan</td>' in page
    with open(os.path.join(RUN, 'latency-50pct-100.png'), 'rb') as handle:
        assert handle.read(4) == b'\x89PNG'
    env = load('environment.json')
    assert env['modes'] == ['host', 'macvlan'] and env['kernel'] and env['tunings'] == ['tuned', 'untuned']


def test_nginx_was_pinned_one_worker_per_plan_cpu():
    conf = subprocess.run(['podman', 'exec', 'lowlat-node1', 'cat', '/etc/lowlat-k8snet/nginx.conf'],
                          capture_output=True, text=True, check=True).stdout
    plan_cpus = load('environment.json')['plan']
    workers = expand(list(plan_cpus.values())[0]['nginx_worker_cpus'])
    assert workers
    assert 'worker_processes %d;' % len(workers) in conf
    assert 'worker_cpu_affinity %s;' % ' '.join('1' + '0' * cpu for cpu in workers) in conf


def expand(cpus):
    result = []
    for part in cpus.split(','):
        first, dummy, last = part.partition("-")
        result.extend(range(int(first), int(last or first) + 1))
    return result


def test_cleanup_stopped_nginx_and_removed_the_pods():
    state = subprocess.run(['podman', 'exec', 'lowlat-node1', 'systemctl', 'is-active', 'lowlat-bench-nginx'],
                           capture_output=True, text=True, check=False).stdout.strip()
    assert state == 'inactive'
    pods = subprocess.run(['podman', 'exec', 'lowlat-node1', 'ip', 'netns', 'list'],
                          capture_output=True, text=True, check=True).stdout
    assert pods.strip() == ''
