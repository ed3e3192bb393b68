# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

import pytest

from ansible_collections.lowlat.k8snet.plugins.module_utils import bench
from ansible_collections.lowlat.k8snet.tests.unit.fixture_text import read as fixture


def test_h2load_log_is_parsed_and_bad_lines_are_named():
    assert bench.parse_h2load_log('1764470000000000\t200\t153\n1764470000000100\t503\t99\n\n') == [
        (1764470000000000, 200, 153), (1764470000000100, 503, 99)]
    with pytest.raises(ValueError, match='line 2'):
        bench.parse_h2load_log('1\t200\t3\n1 200 3\n')


def test_percentiles_are_measured_values_by_nearest_rank():
    latencies = list(range(1, 1001))  # 1..1000 us
    p = bench.percentiles(latencies)
    assert p['p50'] == 500 and p['p90'] == 900 and p['p99'] == 990 and p['p99.9'] == 999
    assert p['p99.99'] == 1000 and p['p99.999'] == 1000
    assert bench.percentiles([]) == dict((k, None) for k in p)


def test_percentiles_of_merged_clients_are_not_the_mean_of_their_percentiles():
    fast, slow = [100] * 99 + [200], [1000] * 100
    merged = bench.percentiles(fast + slow)['p50']
    averaged = (bench.percentiles(fast)['p50'] + bench.percentiles(slow)['p50']) / 2.0
    assert merged == 200 and averaged == 550


def test_summary_flags_saturation_and_counts_errors():
    start = 1764470000000000
    records = [(start + i * 1000, 200, 100 + i) for i in range(900)] + [(start, 502, 5)] * 10
    point = bench.summarize(records, target_rate=1000, duration=1.0)
    assert point['requests'] == 910 and point['errors'] == 10
    assert point['achieved_rate'] == 900.0 and point['saturated'] is True
    assert point['latency_us']['p50'] == 549 and point['max_us'] == 999
    fine = bench.summarize(records, target_rate=920, duration=1.0)
    assert fine['saturated'] is False  # 900 >= 0.97 * 920
    warm = bench.summarize(records, target_rate=400, duration=0.5, warmup_until=start + 500000)
    assert warm['requests'] == 400


@pytest.mark.parametrize('rate, maximum, expected', [(5000, None, 5000), ('30%', 21000, 6300), (' 50% ', 1001, 500)])
def test_rates(rate, maximum, expected):
    assert bench.resolve_rate(rate, maximum) == expected


@pytest.mark.parametrize('rate, maximum, words', [
    ('30%', None, 'maximum of this mode and size is not measured'), ('lots', None, "rate 'lots' is not a number"),
    ('150%', 1000, 'must be in (0, 100]'), (0, None, 'must be positive')])
def test_bad_rates_are_named(rate, maximum, words):
    with pytest.raises(ValueError) as err:
        bench.resolve_rate(rate, maximum)
    assert words in str(err.value)


def test_steps_deploy_every_mode_per_repeat_and_alternate_tunings():
    order = bench.steps(['host', 'ipvlan'], repeats=3, tunings=['tuned', 'untuned'])
    assert len(order) == 12
    assert [step[1] for step in order] == ['tuned'] * 2 + ['untuned'] * 4 + ['tuned'] * 4 + ['untuned'] * 2
    assert [step[2] for step in order[:4]] == ['host', 'ipvlan', 'host', 'ipvlan']
    assert order[0] == [1, 'tuned', 'host'] and order[-1] == [3, 'untuned', 'ipvlan']
    # three switches of state for three repeats, not five
    assert sum(1 for a, b in zip(order, order[1:]) if a[1] != b[1]) == 3
    assert bench.steps(['host'], 2) == [[1, 'tuned', 'host'], [2, 'tuned', 'host']]


@pytest.mark.parametrize('modes, repeats, tunings, words', [
    ([], 1, ['tuned'], 'at least one mode'), (['host'], 0, ['tuned'], 'repeats 0 must be 1 or more'),
    (['host'], 1, ['fast'], "tunings ['fast'] must be one or both of tuned, untuned"),
    (['host'], 1, ['tuned', 'tuned'], 'each once'), (['host'], 1, [], 'must be one or both')])
def test_bad_steps_are_named(modes, repeats, tunings, words):
    with pytest.raises(ValueError) as err:
        bench.steps(modes, repeats, tunings)
    assert words in str(err.value)


def test_line_rate():
    # the study: ~350 bytes on the wire per 100-byte response, 10 Gbit/s
    assert bench.line_rate_max(350, 10000) == 3571428
    assert bench.line_rate_max(350, -1) is None  # virtio reports speed -1


def test_cpu_usage_from_real_proc_stat():
    usage = bench.cpu_usage(fixture('vm2_stat_before.txt'), fixture('vm2_stat_after.txt'))
    assert sorted(usage) == [0, 1]
    for cpu in usage.values():
        assert 0.0 <= cpu['softirq'] <= cpu['busy'] <= 100.0
    synthetic_before = 'cpu0 100 0 100 800 0 0 0 0 0 0\n'
    synthetic_after = 'cpu0 150 0 130 900 0 0 20 0 0 0\n'
    assert bench.cpu_usage(synthetic_before, synthetic_after) == {0: {'busy': 50.0, 'softirq': 10.0}}


def test_interrupts_delta_from_real_proc_interrupts():
    text = fixture('vm2_interrupts.txt')
    assert bench.interrupts_delta(text, text) == {0: 0, 1: 0}
    totals = bench.parse_interrupts_per_cpu(text)
    assert totals[0] > 0 and totals[1] > 0


def test_pressure():
    text = fixture('vm2_pressure_cpu.txt')
    parsed = bench.parse_pressure(text)
    assert set(parsed) >= {'some'} and 'total' in parsed['some']
    before = 'some avg10=0.00 avg60=0.00 avg300=0.00 total=1000000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n'
    after = 'some avg10=0.00 avg60=0.00 avg300=0.00 total=1500000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n'
    assert bench.pressure_share(before, after, 2.0) == 25.0
    assert bench.noisy(25.0) is True and bench.noisy(3.0) is False and bench.noisy(None) is False


def test_nginx_affinity():
    assert bench.nginx_affinity([0, 1]) == '1 10'
    assert bench.nginx_affinity([3, 1]) == '10 1000'
    with pytest.raises(ValueError, match='at least one worker CPU'):
        bench.nginx_affinity([])


def test_wrk_output_of_a_real_run():
    run = bench.parse_wrk(fixture('wrk_latency.txt'))
    assert run['achieved_rate'] == 32756.51 and run['requests'] == 65694 and run['seconds'] == 2.01
    assert run['errors'] == 0
    # 202.00us, 1.56ms, 38.74ms: every unit to microseconds
    assert run['latency_us'] == {'p50': 202, 'p75': 304, 'p90': 1560, 'p99': 38740}


def test_wrk_errors_and_several_clients():
    text = fixture('wrk_latency.txt').replace(
        'Requests/sec:', '  Socket errors: connect 1, read 2, write 0, timeout 3\n'
        '  Non-2xx or 3xx responses: 4\nRequests/sec:')
    run = bench.parse_wrk(text)
    assert run['errors'] == 10
    other = dict(run, achieved_rate=100.0, requests=200, errors=0, latency_us={'p50': 500, 'p99': 100})
    merged = bench.merge_wrk([run, other])
    assert merged['achieved_rate'] == 32856.5 and merged['requests'] == 65894 and merged['errors'] == 10
    # percentiles cannot be merged: the worst client's, said so
    assert merged['latency_us'] == {'p50': 500, 'p75': 304, 'p90': 1560, 'p99': 38740}
    assert merged['latency_from'] == 'wrk, the worst client'


@pytest.mark.parametrize('text, words', [
    ('nothing here', "not wrk output"),
    ('  Latency Distribution\n     50%  2.0xs\n', "wrk latency '2.0xs'")])
def test_bad_wrk_output_is_named(text, words):
    with pytest.raises(ValueError) as err:
        bench.parse_wrk(text)
    assert words in str(err.value)


# wrk2 44a94c1 (giltene/wrk2, built from its upstream tarball) against the lab's nginx:
# wrk2 -t2 -c8 -d12s -R2000 --latency -U http://10.89.7.11:8080/100.bin
WRK2 = 'wrk2_latency_u.txt'
# tcpkali 1.2.0 (satori-com/tcpkali 3c3175e) against the lab's nginx, 16 connections at 100/s each:
# tcpkali -c 16 -r 100 -T 4s -w 2 --latency-marker HTTP/1.1 -em 'GET /100.bin ...' --latency-percentiles ...
TCPKALI = 'tcpkali_latency.txt'


def _spectrum_lines(text, which):
    """The (ms value, total count) rows of the which-th 'Detailed Percentile spectrum' block."""
    blocks = text.split('Detailed Percentile spectrum:')[1:]
    rows = []
    for line in blocks[which].splitlines():
        words = line.split()
        if len(words) == 4 and words[2].isdigit():
            rows.append((float(words[0]), int(words[2])))
        elif line.startswith('#[Mean'):
            break
    return rows


def test_wrk2_output_of_a_real_run_both_histograms():
    text = fixture(WRK2)
    run = bench.parse_wrk2(text)
    assert run['calibrated'] is True and run['requests'] == 23989 and run['achieved_rate'] == 1998.93
    # the summary lines as printed: 0.92ms -> 920 us, 95.00us -> 95
    assert run['corrected']['latency_us']['p50'] == 920 and run['corrected']['latency_us']['p99.9'] == 2430
    assert run['uncorrected']['latency_us']['p50'] == 95 and run['uncorrected']['latency_us']['p99'] == 237
    assert run['latency_us'] == run['corrected']['latency_us']
    for index, name in enumerate(('corrected', 'uncorrected')):
        rows = _spectrum_lines(text, index)
        assert run[name]['spectrum'] == [(int(round(ms * 1000)), count) for ms, count in rows]
        assert run[name]['count'] == rows[-1][1] == 3960


def test_wrk2_spectrum_percentiles_are_nearest_ranks_of_its_printed_spectrum():
    text = fixture(WRK2)
    run = bench.parse_wrk2(text)
    for index, name in enumerate(('corrected', 'uncorrected')):
        rows = _spectrum_lines(text, index)
        total = rows[-1][1]
        own = run[name]['latency_us']
        mine = bench.spectrum_percentiles(run[name]['spectrum'])
        for pct in (50, 99, 99.9):
            key = 'p%g' % pct
            rank = math.ceil(pct / 100.0 * total - 1e-9)
            expected = next(int(round(ms * 1000)) for ms, count in rows if count >= rank)
            assert mine[key] == expected, (name, key)
            # never below HdrHistogram's own figure (printed rounded to 10 us)
            assert mine[key] >= own[key] - 10, (name, key, mine[key], own[key])


def test_wrk2_without_latency_is_named():
    with pytest.raises(ValueError, match='not wrk2 --latency output'):
        bench.parse_wrk2(fixture('wrk_latency.txt'))


def test_tcpkali_output_of_a_real_run():
    run = bench.parse_tcpkali(fixture(TCPKALI))
    assert run['sent_bytes'] == 217600 and run['received_bytes'] == 2252800 and run['seconds'] == 4.00093
    # 16 connections x 100/s x 4 s = 6400 requests of 34 bytes ('GET /100.bin HTTP/1.1\r\nHost: x\r\n\r\n')
    assert run['sent_bytes'] == 16 * 100 * 4 * len('GET /100.bin HTTP/1.1\r\nHost: x\r\n\r\n')
    assert run['latency_us']['p50'] == 100 and run['latency_us']['p99'] == 600 and run['latency_us']['p99.999'] == 1500
    with pytest.raises(ValueError, match='latency line'):
        bench.parse_tcpkali(fixture(TCPKALI).replace('Message latency', 'Other latency'))


def test_spectra_merge_as_the_raw_samples_would():
    fast, slow = [100] * 99 + [200], [1000] * 50 + [3000] * 50
    merged = bench.merge_spectra([bench.spectrum_of_samples(fast), bench.spectrum_of_samples(slow)])
    assert bench.spectrum_percentiles(merged) == bench.percentiles(fast + slow)
    assert merged[-1] == (3000, 200)
    # one client: the spectrum gives back the exact percentiles of its samples
    samples = [5, 1, 9, 9, 3, 7, 7, 7, 2, 8] * 37
    assert bench.spectrum_percentiles(bench.spectrum_of_samples(samples)) == bench.percentiles(samples)


def test_percentile_grids_merge_by_counts_not_by_averaging():
    # two clients, each with its latencies at a grid; one has 9 times the other's requests
    busy = bench.spectrum_of_percentiles({'p50': 100, 'p90': 200, 'p99': 300, 'p100': 400}, 900)
    idle = bench.spectrum_of_percentiles({'p50': 1000, 'p90': 2000, 'p99': 3000, 'p100': 4000}, 100)
    assert busy == [(100, 450), (200, 810), (300, 891), (400, 900)]
    merged = bench.spectrum_percentiles(bench.merge_spectra([busy, idle]), (50, 90, 99))
    # rank 500 of 1000: the busy client's 810 requests up to 200 us reach it; rank 900: its 900
    # requests up to 400 us; rank 990: those and the idle client's 90 up to 2000 us
    assert merged == {'p50': 200, 'p90': 400, 'p99': 2000}
    assert merged['p50'] != (100 + 1000) / 2


# counts of the order the grid was measured on (6400): fewer requests than the grid's finest step
# cannot have different values at p99 and p99.99
@pytest.mark.parametrize('count', [6400, 6401, 6403, 100001])
def test_a_grid_gives_back_its_own_percentiles_whatever_the_count(count):
    grid = bench.parse_tcpkali(fixture(TCPKALI))['latency_us']
    spectrum = bench.spectrum_of_percentiles(grid, count)
    mine = bench.spectrum_percentiles(spectrum, [float(key[1:]) for key in grid])
    # where the grid has equal values at two percentiles the spectrum cannot tell them apart either
    assert mine == grid, count
    assert spectrum[-1][1] == count


def test_wrk_run_time_in_minutes():
    text = fixture(WRK2).replace('23989 requests in 12.00s', '123989 requests in 1.60m')
    run = bench.parse_wrk2(text)
    assert run['requests'] == 123989 and run['seconds'] == pytest.approx(96.0)
    with pytest.raises(ValueError, match="run time '12.00x,'"):
        bench.parse_wrk(fixture(WRK2).replace('12.00s,', '12.00x,'))


def test_closed_loop_and_verdicts():
    # 250 requests/s per connection with a 4 ms p99: the next request is due before the slow one returns
    assert bench.closed_loop(250, 4000) is True and bench.closed_loop(3, 4000) is False
    assert bench.closed_loop(None, 4000) is False and bench.closed_loop(10, None) is False
    assert bench.verdict([100, 110, 105], [150, 140, 160]) == 'better'
    assert bench.verdict([150, 160], [100, 140]) == 'worse'
    assert bench.verdict([100, 150], [120, 160]) == 'same'
    assert bench.verdict([100], [200, 300]) is None


def test_study_rates_and_line_rate_cap():
    assert bench.expand_rates('study') == [50000, 150000, 250000, 350000, 450000, 500000]
    assert bench.expand_rates(['30%', 5000]) == ['30%', 5000]
    with pytest.raises(ValueError, match="'fast'"):
        bench.expand_rates('fast')
    # 4 KB bodies and 250 header bytes on 10 Gbit/s: 10e9 / 8 / 4346 responses per second
    line = bench.line_rate_max(4096 + 250, 10000)
    assert line == int(10e9 / 8 / 4346) and 250000 < line < 300000
    capped = [bench.resolve_rate(r, None, line) for r in bench.expand_rates('study')]
    assert capped == [50000, 150000, 250000, line, line, line]
    assert bench.resolve_rate(350000, None, None) == 350000
