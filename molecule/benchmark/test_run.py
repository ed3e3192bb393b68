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
                         + ['rate-r%d-%s-100-%s-h2load' % (r, s, rate) for r in (1, 2) for s in SERIES
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
    assert 'latency-50pct-100-h2load.png' in page and '<td>macvlan</td>' in page
    with open(os.path.join(RUN, 'latency-50pct-100-h2load.png'), 'rb') as handle:
        assert handle.read(4) == b'\x89PNG'
    env = load('environment.json')
    assert env['modes'] == ['host', 'macvlan'] and env['kernel'] and env['tunings'] == ['tuned', 'untuned']
    assert env['connections'] == 32 and env['tools'] == ['h2load'] and env['nic'] == 'eth0'
    assert env['generators']['node2']['h2load'].startswith('h2load nghttp2/')
    assert env['generators']['node2']['wrk'].startswith('wrk ')


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


def test_verdicts_follow_the_repeats():
    """One verdict line per mode and rate, computed here again from the repeats' own figures."""
    results = load('results.json')
    lines = dict(((v['mode'], str(v['rate'])), v) for v in results['verdicts'])
    assert sorted(lines) == sorted((m, r) for m in ('host', 'macvlan') for r in ('50%', str(UNREACHABLE)))
    for (mode, rate), line in lines.items():
        for key in ('p50', 'p99', 'p99.9'):
            tuned = [p['latency_us'][key] for p in results['points'] if p['kind'] == 'rate' and p['mode'] == mode
                     and str(p['rate']) == rate and p['tuning'] == 'tuned']
            untuned = [p['latency_us'][key] for p in results['points'] if p['kind'] == 'rate' and p['mode'] == mode
                       and str(p['rate']) == rate and p['tuning'] == 'untuned']
            expected = 'better' if max(tuned) < min(untuned) else 'worse' if min(tuned) > max(untuned) else 'same'
            assert line['percentiles'][key] == expected, (mode, rate, key, tuned, untuned)
    with open(os.path.join(RUN, 'report.html')) as handle:
        page = handle.read()
    assert 'Verdict: tuned against untuned' in page


def test_notrack_keeps_the_benchmarks_connections_out_of_conntrack():
    """The server has conntrack in use (converge's ct state rule, as kube-proxy's are). Tuned, the
    NOTRACK rules (port 8080, the benchmark's) keep every connection of a host-networking point out
    of it: the entry count does not grow. Untuned (no NOTRACK), the point's connections are there
    (they stay tracked for minutes after they close): the count shows it can see them."""
    for point in load('results.json')['points']:
        if point['mode'] != 'host' or point['kind'] != 'rate':
            continue
        server = load_point(point['id'])['servers']['node1']
        before, after = server['conntrack_before'], server['conntrack_after']
        if point['tuning'] == 'tuned':
            assert after - before <= 2, (point['id'], before, after)
        else:
            assert after >= 0.9 * point['connections'], (point['id'], before, after)


GENERATORS = os.path.join(ROOT, '..', 'bench-generators')
GENERATORS_RUN = os.path.join(GENERATORS, sorted(os.listdir(GENERATORS))[-1]) if os.path.isdir(GENERATORS) else None


def test_every_generator_at_the_same_offered_load():
    """converge's second sweep: tcpkali, wrk2 and h2load in turn at 4000 requests/s, 16 connections."""
    with open(os.path.join(GENERATORS_RUN, 'results.json')) as handle:
        results = json.load(handle)
    points = dict((p['generator'], p) for p in results['points'] if p['kind'] == 'rate')
    assert sorted(points) == ['h2load', 'tcpkali', 'wrk2']
    for name, point in points.items():
        assert point['target_rate'] == 4000 and point['connections'] == 16, point
        assert point['corrected'] is (name != 'h2load')
        # the lab serves 4000/s with room to spare: every generator offered it
        assert abs(point['achieved_rate'] - 4000) < 0.1 * 4000, (name, point['achieved_rate'])
        assert point['latency_us']['p50'] <= point['latency_us']['p99'] <= point['latency_us']['p99.9']
    wrk2 = points['wrk2']
    assert wrk2['calibrated'] is True
    assert wrk2['uncorrected_latency_us']['p99'] <= wrk2['latency_us']['p99']
    with open(os.path.join(GENERATORS_RUN, 'report.html')) as handle:
        page = handle.read()
    merged = [m for m in results['merged'] if m['generator'] == 'wrk2'][0]
    assert '<td>%s</td><td>%s</td>' % (merged['latency_us']['p99'], merged['uncorrected_latency_us']['p99']) in page
    assert 'h2load (uncorrected for coordinated omission)' in page
    env = load_generators_env()
    assert env['generators']['node2']['tcpkali'].startswith('tcpkali version 1.2.0')
    assert env['generators']['node2']['wrk2'].startswith('wrk 4.0.0')


def load_generators_env():
    with open(os.path.join(GENERATORS_RUN, 'environment.json')) as handle:
        return json.load(handle)
