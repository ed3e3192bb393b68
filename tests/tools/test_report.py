# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tools/report.py on a run directory laid out as playbooks/benchmark.yml writes it."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import importlib.util
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = importlib.util.spec_from_file_location('report', os.path.join(HERE, '..', '..', 'tools', 'report.py'))
report = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(report)

START = 1764470000000000


def write_point(run, name, meta, clients):
    point = run / 'raw' / name
    point.mkdir(parents=True)
    (point / 'meta.json').write_text(json.dumps(meta))
    for client, lines in clients.items():
        (point / ('%s.log' % client)).write_text(''.join('%d\t%d\t%d\n' % line for line in lines))


def test_a_run_becomes_results_and_a_report(tmp_path):
    run = tmp_path
    (run / 'environment.json').write_text(json.dumps({'kernel': '6.1.0', 'nic_speed_mbps': 10000}))
    for mode, base, achieved in (('host', 100, 1.0), ('macvlan', 130, 0.9)):
        write_point(run, 'max-%s-100' % mode, {'kind': 'max', 'mode': mode, 'size': 100, 'rate': 'max',
                                               'repeat': 1, 'duration': 1.0, 'target_rate': None},
                    {'c1': [(START + i, 200, base) for i in range(int(2000 * achieved))]})
        for repeat in (1, 2):
            # two clients; the second is slower: percentiles must come from the merged list
            count = int(500 * achieved)
            write_point(run, 'r%d-%s-100-1000' % (repeat, mode),
                        {'kind': 'rate', 'mode': mode, 'size': 100, 'rate': '50%', 'repeat': repeat,
                         'target_rate': 1000, 'duration': 1.0, 'warmup_until': START + 10,
                         'outside_pressure': 25.0 if (mode, repeat) == ('macvlan', 2) else 1.0},
                        {'c1': [(START + 10 + i, 200, base + i % 10) for i in range(count)],
                         'c2': [(START + 10 + i, 200, 2 * base + repeat) for i in range(count)]
                         + [(START, 200, 99999)]})  # before the warm-up ended: left out
    results = report.summarize(str(run))
    assert results['max_rates'] == {'host': {'100': 2000.0}, 'macvlan': {'100': 1800.0}}
    merged = dict((m['mode'], m) for m in results['merged'])
    assert merged['host']['repeats'] == 2 and merged['host']['saturated'] is False
    assert merged['macvlan']['saturated'] is True  # 900/s against 1000/s
    assert merged['macvlan']['noisy'] is True and merged['host']['noisy'] is False
    assert merged['host']['latency_us']['p50'] == 109 and merged['host']['latency_us']['p99'] == 202
    assert merged['host']['max_us'] == 202  # the warm-up request of 99999 us is not counted
    assert merged['host']['spread']['p99'] == [201, 202]
    rows = list(csv.DictReader(open(os.path.join(str(run), 'results.csv'))))
    assert len(rows) == 6 and rows[0]['id'] == 'max-host-100' and 'p99.999_us' in rows[0]

    path, pngs = report.write_html(str(run), results)
    assert pngs == ['latency-50pct-100-h2load.png']
    with open(os.path.join(str(run), pngs[0]), 'rb') as handle:
        assert handle.read(8) == b'\x89PNG\r\n\x1a\n'
    page = open(path).read()
    assert 'latency-50pct-100-h2load.png' in page and 'class="bad">saturated noisy' in page
    assert '<td>macvlan</td><td>100</td><td>1800.0</td><td>0.90</td>' in page  # max / host


def pressure(total_us):
    return 'some avg10=0.00 avg60=0.00 avg300=0.00 total=%d\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n' % total_us


def test_tuned_and_untuned_series_and_several_servers(tmp_path):
    run = tmp_path
    for tuning, base in (('tuned', 100), ('untuned', 150)):
        series = 'host' if tuning == 'tuned' else 'host-untuned'
        servers = {
            # s2 had 40 % CPU pressure from outside in its quiet second: the point is noisy
            's1': {'quiet_before': pressure(0), 'quiet_after': pressure(10000), 'quiet_seconds': 1.0},
            's2': {'quiet_before': pressure(0), 'quiet_after': pressure(400000 if tuning == 'untuned' else 0),
                   'quiet_seconds': 1.0}}
        write_point(run, 'rate-r1-%s-100-50pct' % series,
                    {'kind': 'rate', 'mode': 'host', 'tuning': tuning, 'series': series, 'size': 100,
                     'rate': '50%', 'repeat': 1, 'target_rate': 100, 'duration': 1.0, 'warmup_until': START,
                     'servers': servers},
                    {'c1': [(START + i, 200, base) for i in range(100)]})
    results = report.summarize(str(run))
    merged = dict((m['series'], m) for m in results['merged'])
    assert sorted(merged) == ['host', 'host-untuned']
    assert merged['host-untuned']['tuning'] == 'untuned' and merged['host-untuned']['mode'] == 'host'
    points = dict((p['series'], p) for p in results['points'])
    assert points['host']['outside_pressure'] == 1.0 and points['host']['noisy'] is False
    assert points['host-untuned']['outside_pressure'] == 40.0 and points['host-untuned']['noisy'] is True
    pairs = report.tuning_pairs(results)
    assert [(a['series'], b['series']) for a, b in pairs] == [('host', 'host-untuned')]
    path, dummy = report.write_html(str(run), results)
    page = open(path).read()
    assert 'Untuned against tuned, at the same offered load' in page
    # p99 untuned / tuned: 150 us against 100 us
    assert '<td>100</td><td>150</td><td>1.50</td>' in page
    # one repeat each: no spread, so no verdict
    assert [v['verdict'] for v in results['verdicts']] == ['no verdict: fewer than two repeats']


FIXTURES = os.path.join(HERE, '..', 'unit', 'fixtures')


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def test_open_loop_generators_two_clients_merged_and_wrk2_uncorrected_beside(tmp_path):
    """wrk2's and tcpkali's real outputs (tests/unit/fixtures, captured on the lab) from two
    clients at once: counts add up, latencies merge as distributions, wrk2's uncorrected p99 is kept
    beside its corrected one, and the report shows both."""
    run = str(tmp_path)
    wrk2, tcpkali = fixture('wrk2_latency_u.txt'), fixture('tcpkali_latency.txt')
    os.makedirs(os.path.join(run, 'raw'))
    for tool, output in (('wrk2', 'warmup_until=%d\nmeasured_ms=1980\n%s' % (START, wrk2)),
                         ('tcpkali', 'response_bytes=352\nwarmup_until=%d\n%s' % (START, tcpkali))):
        point = os.path.join(run, 'raw', 'rate-r1-host-100-4000-%s' % tool)
        os.makedirs(point)
        with open(os.path.join(point, 'meta.json'), 'w') as handle:
            json.dump({'kind': 'rate', 'tool': tool, 'mode': 'host', 'size': 100, 'rate': 4000, 'repeat': 1,
                       'target_rate': 4000, 'duration': 2, 'connections': 8, 'clients_count': 2,
                       'warmup_until': START, 'clients': {'c1': {'output': output}, 'c2': {'output': output}}},
                      handle)
    results = report.summarize(run)
    points = dict((p['generator'], p) for p in results['points'])
    # wrk2: each client's histogram holds 3960 requests over its 1.98 s measured window
    assert points['wrk2']['requests'] == 2 * 3960 and points['wrk2']['achieved_rate'] == 4000.0
    assert points['wrk2']['corrected'] is True and points['wrk2']['calibrated'] is True
    # the same client twice: the merged distribution is that client's own
    one = report.bench.parse_wrk2(wrk2)
    assert points['wrk2']['latency_us'] == report.bench.spectrum_percentiles(one['corrected']['spectrum'])
    assert points['wrk2']['uncorrected_latency_us']['p99'] < points['wrk2']['latency_us']['p99']
    # tcpkali: 2252800 bytes received / 352 per response = 6400 responses per client in 4.00093 s
    assert points['tcpkali']['requests'] == 2 * 6400
    assert abs(points['tcpkali']['achieved_rate'] - 2 * 6400 / 4.00093) < 0.1
    assert points['tcpkali']['latency_us']['p50'] == 100 and points['tcpkali']['latency_resolution_us'] == 100
    # 2000 requests/s per client over 8 connections = 250/s each; wrk2's corrected p99 (1.9 ms)
    # makes 250 x 0.0019 < 1: open loop; tcpkali pipelines and is never flagged
    assert points['wrk2']['closed_loop'] is False and points['tcpkali']['closed_loop'] is False
    path, pngs = report.write_html(run, results)
    page = open(path).read()
    assert 'wrk2 (corrected)' in page and not any('h2load' in name for name in pngs)
    merged = dict((m['generator'], m) for m in results['merged'])
    assert '<td>%s</td><td>%s</td>' % (merged['wrk2']['latency_us']['p99'],
                                       merged['wrk2']['uncorrected_latency_us']['p99']) in page


def test_verdicts_from_the_spread_of_repeats(tmp_path):
    """Three repeats of a tuned and an untuned series: tuned better where every tuned repeat is
    below every untuned one, worse where above, else no difference."""
    run = tmp_path
    # per repeat, the (tuned, untuned) latency of every request of the point
    cases = {'host': [(100, 200), (110, 190), (105, 210)],      # better at every percentile
             'macvlan': [(300, 100), (310, 120), (290, 110)],  # worse
             'ipvlan': [(100, 105), (120, 95), (110, 100)]}    # overlapping: no difference
    for mode, repeats in cases.items():
        for repeat, values in enumerate(repeats, 1):
            for tuning, latency in zip(('tuned', 'untuned'), values):
                series = mode if tuning == 'tuned' else mode + '-untuned'
                write_point(run, 'rate-r%d-%s-100-1000-h2load' % (repeat, series),
                            {'kind': 'rate', 'tool': 'h2load', 'mode': mode, 'tuning': tuning, 'series': series,
                             'size': 100, 'rate': 1000, 'repeat': repeat, 'target_rate': 100, 'duration': 1.0,
                             'connections': 10, 'clients_count': 1, 'warmup_until': START},
                            {'c1': [(START + i, 200, latency) for i in range(100)]})
    results = report.summarize(str(run))
    verdicts = dict((v['mode'], v) for v in results['verdicts'])
    assert verdicts['host']['verdict'] == 'tuned better'
    assert verdicts['macvlan']['verdict'] == 'tuned worse'
    assert verdicts['ipvlan']['verdict'] == 'no difference within the spread'
    assert verdicts['host']['tuned']['p99'] == [100, 110, 105] and verdicts['host']['untuned']['p99'] == [200, 190, 210]
    # 3 against 3 repeats: 20 orderings of which one puts every tuned repeat below every untuned one
    assert verdicts['host']['chance_one_in'] == 20 and 'by chance alone 1 in 20 per percentile' in verdicts['host']['text']
    path, dummy = report.write_html(str(run), results)
    page = open(path).read()
    assert '<li class="bad">macvlan, h2load, 100 bytes at 1000 requests/s: tuned worse' in page
