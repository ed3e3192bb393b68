#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn a benchmark run directory into results.json, results.csv, report.html and PNG charts.

    python3 tools/report.py RUN_DIR            # summarize the raw outputs, then write the report
    python3 tools/report.py --html-only RUN_DIR
    python3 tools/report.py --rate WARMUP_UNTIL DURATION POINT_DIR   # achieved rate of one point

A run directory (written by playbooks/benchmark.yml) holds environment.json and raw/<point>/:
meta.json (mode, tuning state, series, size, rate, target rate, repeat, duration, warm-up end, and
per server the /proc readings before and after and the CPU pressure in the quiet window before the
point, the generator, connections, and each client's generator output) and, for h2load, one
<client>.log per client (h2load --log-file). Percentiles come from the merged latencies of all
clients (and, per series/generator/size/rate, of all repeats): h2load's raw per-request latencies,
wrk2's histogram spectra, tcpkali's percentile grids, each turned into counts at or below each
latency and summed, never averaged. A series is a mode in a tuning state: "host", or
"host-untuned". With tuned and untuned points and two repeats or more, a verdict per mode,
generator, size and rate compares them at p50, p99 and p99.9.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import csv
import html
import importlib.util
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def _bench():
    """The collection's pure benchmark arithmetic, loaded from its file (no Ansible needed)."""
    path = os.path.join(HERE, '..', 'plugins', 'module_utils', 'bench.py')
    spec = importlib.util.spec_from_file_location('lowlat_bench', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _bench()


def _read(path):
    with open(path) as handle:
        return handle.read()


def point_records(point_dir):
    records = []
    for name in sorted(os.listdir(point_dir)):
        if name.endswith('.log'):
            records.extend(bench.parse_h2load_log(_read(os.path.join(point_dir, name))))
    return records


# what each generator's latency is measured from: corrected = from the time the request was due
# (open loop: a slow response never delays the measurement of the next request)
GENERATORS = {
    'tcpkali': {'corrected': True, 'resolution_us': 100},
    'wrk2': {'corrected': True, 'resolution_us': 1},
    'h2load': {'corrected': False, 'resolution_us': 1},
    'wrk': {'corrected': False, 'resolution_us': 1},
}


def summarize(run_dir):
    """raw/ -> results.json and results.csv; returns the results."""
    raw = os.path.join(run_dir, 'raw')
    points, spectra = [], {}
    for name in sorted(os.listdir(raw)):
        meta_path = os.path.join(raw, name, 'meta.json')
        if not os.path.exists(meta_path):
            continue
        meta = json.loads(_read(meta_path))
        point = dict((k, meta[k]) for k in ('mode', 'size', 'rate', 'repeat', 'target_rate', 'duration', 'kind',
                                            'connections')
                     if k in meta)
        point['id'] = name
        point['tool'] = point['generator'] = meta.get('tool', 'h2load')
        # when the measured window began (microseconds since the epoch)
        point['started'] = meta.get('warmup_until')
        point['tuning'] = meta.get('tuning', 'tuned')
        point['series'] = meta.get('series', point['mode'])
        result = measured(meta, point_records(os.path.join(raw, name)) if point['tool'] == 'h2load' else [])
        point.update(dict((k, v) for k, v in result.items() if not k.endswith('spectrum')))
        point.update(server_readings(meta))
        points.append(point)
        if meta.get('kind', 'rate') == 'rate':
            key = (point['series'], point['generator'], point['size'], str(point['rate']))
            for which in ('spectrum', 'uncorrected_spectrum'):
                if result.get(which) is not None:
                    spectra.setdefault(key, {}).setdefault(which, []).append(result[which])

    merged = []
    for (series, generator, size, rate), kept in sorted(spectra.items()):
        mine = [p for p in points if p.get('kind', 'rate') == 'rate' and p['series'] == series
                and p['generator'] == generator and p['size'] == size and str(p['rate']) == rate]
        spread = {}
        for key in ('p50', 'p99', 'p99.9'):
            values = [p['latency_us'][key] for p in mine if p['latency_us'][key] is not None]
            spread[key] = [min(values), max(values)] if values else None
        entry = {'series': series, 'mode': mine[0]['mode'], 'tuning': mine[0]['tuning'], 'generator': generator,
                 'corrected': mine[0]['corrected'], 'size': size, 'rate': rate, 'repeats': len(mine),
                 'target_rate': mine[0]['target_rate'],
                 'achieved_rate': round(sum(p['achieved_rate'] for p in mine) / len(mine), 1),
                 'latency_us': bench.spectrum_percentiles(bench.merge_spectra(kept['spectrum'])),
                 'max_us': max(p['max_us'] for p in mine if p['max_us'] is not None)
                 if any(p['max_us'] is not None for p in mine) else None,
                 'spread': spread, 'by_repeat': dict((key, [p['latency_us'][key] for p in mine])
                                                     for key in ('p50', 'p99', 'p99.9')),
                 'saturated': any(p['saturated'] for p in mine), 'noisy': any(p['noisy'] for p in mine),
                 'closed_loop': any(p['closed_loop'] for p in mine)}
        if kept.get('uncorrected_spectrum'):
            entry['uncorrected_latency_us'] = bench.spectrum_percentiles(
                bench.merge_spectra(kept['uncorrected_spectrum']))
        merged.append(entry)
    maxima = {}
    for p in points:
        if p.get('kind') == 'max':
            maxima.setdefault(p['series'], {})[str(p['size'])] = p['achieved_rate']
    environment_path = os.path.join(run_dir, 'environment.json')
    results = {'environment': json.loads(_read(environment_path)) if os.path.exists(environment_path) else {},
               'max_rates': maxima, 'points': points, 'merged': merged}
    results['verdicts'] = verdicts(results)
    with open(os.path.join(run_dir, 'results.json'), 'w') as handle:
        json.dump(results, handle, indent=1, sort_keys=True)
    with open(os.path.join(run_dir, 'results.csv'), 'w', newline='') as handle:
        columns = (['id', 'kind', 'series', 'mode', 'tuning', 'generator', 'corrected', 'connections', 'size', 'rate',
                    'repeat', 'target_rate', 'achieved_rate', 'requests', 'errors', 'saturated', 'closed_loop',
                    'noisy', 'outside_pressure', 'max_us']
                   + ['%s_us' % k for k in sorted(bench.percentiles([1]), key=lambda k: float(k[1:]))])
        fixed = columns.index('max_us') + 1
        writer = csv.writer(handle)
        writer.writerow(columns)
        for p in points:
            row = [p.get(c) for c in columns[:fixed]] + [p['latency_us'].get(c[:-3]) for c in columns[fixed:]]
            writer.writerow(row)
    return results


def measured(meta, records):
    """Rate, requests, errors and latency of one point from its generator's outputs: h2load's
    merged per-request records; wrk2's histograms (corrected, and uncorrected beside it); tcpkali's
    percentile grid; wrk's closed-loop maximum (its own percentiles, the worst client's). Several
    clients' latencies are merged as spectra (counts at or below each latency), never averaged."""
    tool = meta.get('tool', 'h2load')
    clients = list((meta.get('clients') or {}).values())
    target, duration = meta.get('target_rate'), meta['duration']
    result = {'corrected': GENERATORS[tool]['corrected'], 'latency_resolution_us': GENERATORS[tool]['resolution_us']}
    if tool == 'h2load':
        result.update(bench.summarize(records, target, duration, meta.get('warmup_until')))
    elif tool == 'wrk':
        result.update(bench.merge_wrk([bench.parse_wrk(client['output']) for client in clients]))
        latency = dict((key, None) for key in bench.percentiles([]))
        latency.update(result['latency_us'])
        result.update({'latency_us': latency, 'max_us': None, 'target_rate': None, 'saturated': False})
    else:
        if tool == 'wrk2':
            runs = [bench.parse_wrk2(client['output']) for client in clients]
            spectrum = bench.merge_spectra([run['corrected']['spectrum'] for run in runs])
            result['uncorrected_spectrum'] = bench.merge_spectra(
                [run['uncorrected']['spectrum'] for run in runs if run['uncorrected']])
            result['uncorrected_latency_us'] = bench.spectrum_percentiles(result['uncorrected_spectrum'])
            result['calibrated'] = all(run['calibrated'] for run in runs)
            answered = sum(run['corrected']['count'] for run in runs)
            # each client's histogram holds the requests of its window after its calibration
            achieved = sum(run['corrected']['count'] * 1000.0 / _printed(client['output'], 'measured_ms')
                           for run, client in zip(runs, clients))
            errors = sum(run['errors'] for run in runs)
        else:
            runs = [(bench.parse_tcpkali(client['output']), _printed(client['output'], 'response_bytes'))
                    for client in clients]
            counts = [run['received_bytes'] // size for run, size in runs]
            spectrum = bench.merge_spectra([bench.spectrum_of_percentiles(run['latency_us'], count)
                                            for (run, _size), count in zip(runs, counts)])
            answered = sum(counts)
            achieved = sum(count / run['seconds'] for (run, _size), count in zip(runs, counts))
            # tcpkali does not read statuses: one request was checked to be a 200 before the run
            errors = None
        result.update({'requests': answered, 'errors': errors, 'achieved_rate': round(achieved, 1),
                       'target_rate': target, 'spectrum': spectrum,
                       'latency_us': bench.spectrum_percentiles(spectrum),
                       'max_us': spectrum[-1][0] if spectrum else None,
                       'saturated': bench.saturated(achieved, target)})
    per_connection = (float(target) / (meta.get('connections') or 1) / (meta.get('clients_count') or 1)
                      if target else None)
    # tcpkali pipelines (it sends on schedule with responses outstanding): never closed loop
    result['closed_loop'] = tool != 'tcpkali' and bench.closed_loop(per_connection, result['latency_us'].get('p99'))
    return result


def _printed(output, name):
    """A NAME=number line that bench_client's run printed before the generator's output."""
    for line in output.splitlines():
        if line.startswith(name + '='):
            return int(line.split('=', 1)[1])
    raise ValueError("a run without its %s= line" % name)


def server_readings(meta):
    """Per server: CPU busy/softirq, interrupts per CPU, CPU pressure over the point, and the
    pressure in the quiet window before it (from outside the benchmark); the point is noisy when
    any server's outside pressure is over the threshold."""
    cpu, interrupts, pressure, outside = {}, {}, {}, {}
    for host, server in sorted((meta.get('servers') or {}).items()):
        if server.get('stat_before') and server.get('stat_after'):
            cpu[host] = bench.cpu_usage(server['stat_before'], server['stat_after'])
        if server.get('interrupts_before') and server.get('interrupts_after'):
            interrupts[host] = bench.interrupts_delta(server['interrupts_before'], server['interrupts_after'])
        if server.get('pressure_before') and server.get('pressure_after'):
            # over the time between the two readings (warm-up and measured window)
            pressure[host] = bench.pressure_share(server['pressure_before'], server['pressure_after'],
                                                  server.get('seconds') or meta['duration'])
        if server.get('quiet_before') and server.get('quiet_after'):
            outside[host] = bench.pressure_share(server['quiet_before'], server['quiet_after'],
                                                 server['quiet_seconds'])
    worst = max(outside.values()) if outside else meta.get('outside_pressure')
    return {'cpu': cpu, 'interrupts': interrupts, 'pressure': pressure, 'outside_pressure': worst,
            'noisy': bench.noisy(worst, meta.get('noisy_above', 10.0))}


def nines(pct):
    """The study's axis: 90 -> 1, 99 -> 2, 99.9 -> 3 ..."""
    return -math.log10(1 - pct / 100.0)


def _generator_label(generator):
    return '%s (%s)' % (generator, 'corrected' if GENERATORS[generator]['corrected']
                        else 'uncorrected for coordinated omission')


def charts(run_dir, results):
    """One PNG per (rate, size, generator): latency against percentile on a nines axis, a line per
    series (mode and tuning state)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.ticker
    from matplotlib import pyplot

    made = []
    groups = {}
    for m in results['merged']:
        groups.setdefault((m['rate'], m['size'], m['generator']), []).append(m)
    for (rate, size, generator), lines in sorted(groups.items(), key=lambda item: (str(item[0][0]), item[0][1:])):
        figure, axes = pyplot.subplots(figsize=(7, 4.2))
        for line in sorted(lines, key=lambda m: m['series']):
            keys = [k for k in line['latency_us'] if line['latency_us'][k] is not None]
            keys.sort(key=lambda k: float(k[1:]))
            xs = [nines(float(k[1:])) for k in keys]
            # a latency of 0 (under tcpkali's 0.1 ms step) cannot be drawn on a log axis
            ys = [max(line['latency_us'][k], 1) / 1000.0 for k in keys]
            label = line['series'] + (' (saturated)' if line['saturated'] else '') + (' (noisy)' if line['noisy'] else '')
            axes.plot(xs, ys, marker='x' if line['saturated'] else 'o', linestyle='--' if line['saturated'] else '-',
                      label=label)
        ticks = [50, 90, 99, 99.9, 99.99, 99.999]
        axes.set_xticks([nines(t) for t in ticks])
        axes.set_xticklabels(['%g' % t for t in ticks])
        axes.set_xlabel('percentile')
        axes.set_ylabel('latency (ms)')
        axes.set_yscale('log')
        axes.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter('%g'))
        axes.yaxis.set_minor_formatter(matplotlib.ticker.FormatStrFormatter('%g'))
        axes.set_title('%s, %s-byte responses, %s' % (_rate_label(rate), size, _generator_label(generator)),
                       fontsize=9)
        axes.grid(True, which='both', alpha=0.3)
        axes.legend()
        name = 'latency-%s-%s-%s.png' % (str(rate).replace('%', 'pct'), size, generator)
        figure.tight_layout()
        figure.savefig(os.path.join(run_dir, name), dpi=100)
        pyplot.close(figure)
        made.append(((rate, size, generator), name))
    return made


def _rate_label(rate):
    text = str(rate)
    return '%s of the maximum' % text if text.endswith('%') else '%s requests/s' % text


def _ratio(value, base):
    return '%.2f' % (float(value) / base) if value is not None and base else 'n/a'


def write_html(run_dir, results):
    made = charts(run_dir, results)
    env = results.get('environment') or {}
    out = ['<!doctype html><html><head><meta charset="utf-8"><title>lowlat.k8snet benchmark</title>',
           '<style>body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse}'
           'td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}.bad{color:#b00}</style></head><body>',
           '<h1>Latency against percentile, per network mode</h1>',
           '<p>%s</p>' % html.escape(', '.join('%s: %s' % (k, env[k]) for k in sorted(env) if not isinstance(env[k], (dict, list))))]
    for (rate, size, generator), name in made:
        out.append('<h2>%s, %s-byte responses, %s</h2><img src="%s" alt="latency chart">'
                   % (html.escape(_rate_label(rate)), size, html.escape(_generator_label(generator)), html.escape(name)))
    if results.get('verdicts'):
        out.append('<h2>Verdict: tuned against untuned, per host shape</h2><ul>')
        for line in results['verdicts']:
            out.append('<li%s>%s%s</li>' % (' class="bad"' if line['verdict'] == 'tuned worse' else '',
                                            html.escape(line['text']), ' (saturated)' if line['saturated'] else ''))
        out.append('</ul>')
    out.append('<h2>Each mode against host networking (in the same tuning state, with the same generator)</h2>'
               '<table><tr><th>size</th><th>rate</th><th>series</th><th>generator</th>'
               '<th>achieved/s</th><th>p50 &micro;s</th><th>p99 &micro;s</th><th>p99 uncorrected &micro;s</th>'
               '<th>p99.9 &micro;s</th><th>p50 / host</th><th>p99 / host</th>'
               '<th>p50 spread</th><th>p99 spread</th><th>repeats</th><th>flags</th></tr>')
    for m in results['merged']:
        host = [h for h in results['merged'] if h['mode'] == 'host' and h['tuning'] == m['tuning']
                and h['generator'] == m['generator'] and h['size'] == m['size'] and h['rate'] == m['rate']]
        host = host[0] if host else None
        flags = ' '.join(f.replace('_', '-') for f in ('saturated', 'noisy', 'closed_loop') if m[f])
        uncorrected = (m.get('uncorrected_latency_us') or {}).get('p99')
        out.append('<tr>%s<td class="bad">%s</td></tr>' % (''.join('<td>%s</td>' % html.escape(str(v)) for v in (
            m['size'], m['rate'], m['series'], _generator_label(m['generator']), m['achieved_rate'],
            m['latency_us']['p50'], m['latency_us']['p99'],
            uncorrected if uncorrected is not None else ('= p99' if not m['corrected'] else 'n/a'),
            m['latency_us']['p99.9'],
            _ratio(m['latency_us']['p50'], host and host['latency_us']['p50']),
            _ratio(m['latency_us']['p99'], host and host['latency_us']['p99']),
            m['spread']['p50'], m['spread']['p99'], m['repeats'])), flags))
    out.append('</table>')
    pairs = tuning_pairs(results)
    if pairs:
        out.append('<h2>Untuned against tuned, at the same offered load</h2><table><tr><th>size</th>'
                   '<th>rate</th><th>mode</th><th>generator</th><th>target/s</th>'
                   '<th>p50 tuned</th><th>p50 untuned</th><th>p99 tuned</th><th>p99 untuned</th>'
                   '<th>p99.9 tuned</th><th>p99.9 untuned</th><th>p99 untuned / tuned</th>'
                   '<th>p99 spread tuned</th><th>p99 spread untuned</th></tr>')
        for tuned, untuned in pairs:
            out.append('<tr>%s</tr>' % ''.join('<td>%s</td>' % html.escape(str(v)) for v in (
                tuned['size'], tuned['rate'], tuned['mode'], tuned['generator'], tuned['target_rate'],
                tuned['latency_us']['p50'], untuned['latency_us']['p50'],
                tuned['latency_us']['p99'], untuned['latency_us']['p99'],
                tuned['latency_us']['p99.9'], untuned['latency_us']['p99.9'],
                _ratio(untuned['latency_us']['p99'], tuned['latency_us']['p99']),
                tuned['spread']['p99'], untuned['spread']['p99'])))
        out.append('</table>')
    speed = env.get('nic_speed_mbps')
    out.append('<h2>Maximum load</h2><table><tr><th>series</th><th>size</th><th>measured max/s</th>'
               '<th>max / host</th><th>line-rate max/s</th></tr>')
    tuning_of = dict((p['series'], p['tuning']) for p in results['points'])
    host_series = dict((p['tuning'], p['series']) for p in results['points'] if p['mode'] == 'host')
    for mode in sorted(results['max_rates']):
        for size, rate in sorted(results['max_rates'][mode].items(), key=lambda item: int(item[0])):
            host = results['max_rates'].get(host_series.get(tuning_of.get(mode)), {}).get(size)
            wire = int(size) + int(env.get('header_bytes', 250))
            line = bench.line_rate_max(wire, speed)
            out.append('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>' % (
                html.escape(mode), size, rate, _ratio(rate, host), line if line else 'unknown (NIC reports no speed)'))
    out.append('</table><p>Saturated points (achieved under 97 % of the target) are dashed with crosses; '
               'noisy points were taken while CPU pressure from outside the benchmark was high; closed-loop '
               'points had a rate per connection times p99 of 1 or more (a connection\'s next request was due '
               'before its slow response came back, so the generator waited on the server). Corrected latency '
               'is measured from the time a request was due (tcpkali, wrk2); h2load\'s and wrk\'s from the '
               'time it was sent, which leaves out the time a request waited behind a slow one '
               '(coordinated omission). tcpkali reports latency in 0.1 ms steps.</p></body></html>')
    path = os.path.join(run_dir, 'report.html')
    with open(path, 'w') as handle:
        handle.write('\n'.join(out) + '\n')
    return path, [name for _key, name in made]


VERDICT_PERCENTILES = ('p50', 'p99', 'p99.9')
VERDICT_WORDS = {'better': 'tuned better', 'worse': 'tuned worse', 'same': 'no difference within the spread'}


def verdicts(results):
    """Per mode, generator, size and offered load: tuned against untuned at p50, p99 and p99.9 over
    the repeats; the line says tuned worse when any percentile is worse beyond the spread, tuned
    better when one is better and none worse, else no difference within the spread."""
    lines = []
    for tuned, untuned in tuning_pairs(results):
        per = dict((key, bench.verdict(tuned['by_repeat'][key], untuned['by_repeat'][key]))
                   for key in VERDICT_PERCENTILES)
        if any(v is None for v in per.values()):
            overall = 'no verdict: fewer than two repeats'
        elif 'worse' in per.values():
            overall = 'tuned worse'
        elif 'better' in per.values():
            overall = 'tuned better'
        else:
            overall = 'no difference within the spread'
        detail = ', '.join('%s %s' % (key, VERDICT_WORDS.get(per[key], 'n/a')) for key in VERDICT_PERCENTILES)
        # with no real difference, every tuned repeat falls below (or above) every untuned one with
        # probability 1 / C(n + m, n): the rate at which a line says better or worse by chance
        chance = math.comb(tuned['repeats'] + untuned['repeats'], tuned['repeats'])
        text = '%s, %s, %s bytes at %s: %s (%s; by chance alone 1 in %d per percentile)' % (
            tuned['mode'], tuned['generator'], tuned['size'], _rate_label(tuned['rate']), overall, detail, chance)
        lines.append({'mode': tuned['mode'], 'generator': tuned['generator'], 'size': tuned['size'],
                      'rate': tuned['rate'], 'target_rate': tuned['target_rate'], 'verdict': overall,
                      'percentiles': per, 'tuned': tuned['by_repeat'], 'untuned': untuned['by_repeat'],
                      'chance_one_in': chance,
                      'saturated': tuned['saturated'] or untuned['saturated'], 'text': text})
    return lines


def tuning_pairs(results):
    """(tuned, untuned) merged entries of the same mode, size and rate (so the same offered load)."""
    def key(m):
        return (m['mode'], m.get('generator', 'h2load'), m['size'], str(m['rate']))

    tuned = dict((key(m), m) for m in results['merged'] if m['tuning'] == 'tuned')
    return [(tuned[key(m)], m) for m in results['merged'] if m['tuning'] == 'untuned' and key(m) in tuned]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('run_dir')
    parser.add_argument('--html-only', action='store_true', help='use the existing results.json')
    parser.add_argument('--rate', nargs=2, metavar=('WARMUP_UNTIL', 'DURATION'),
                        help='print the achieved rate of the point directory RUN_DIR and exit')
    args = parser.parse_args(argv)
    if args.rate:
        meta_path = os.path.join(args.run_dir, 'meta.json')
        meta = json.loads(_read(meta_path)) if os.path.exists(meta_path) else {}
        meta.update({'duration': float(args.rate[1]), 'warmup_until': int(args.rate[0]), 'target_rate': None})
        records = point_records(args.run_dir) if meta.get('tool', 'h2load') == 'h2load' else []
        print(measured(meta, records)['achieved_rate'])
        return 0
    if args.html_only:
        results = json.loads(_read(os.path.join(args.run_dir, 'results.json')))
    else:
        results = summarize(args.run_dir)
    path, pngs = write_html(args.run_dir, results)
    print('report: %s (%d charts: %s)' % (path, len(pngs), ', '.join(pngs)))
    for series, sizes in sorted(results['max_rates'].items()):
        print('%-22s maximum %s' % (series, ', '.join('%s/s at %s bytes' % (rate, size) for size, rate in
                                                      sorted(sizes.items(), key=lambda item: int(item[0])))))
    for m in results['merged']:
        print('%-22s %-8s size %-5s rate %-7s achieved %8.1f/s  p50 %6s us  p99 %6s us  p99.9 %6s us%s%s%s' % (
            m['series'], m['generator'], m['size'], m['rate'], m['achieved_rate'], m['latency_us']['p50'],
            m['latency_us']['p99'], m['latency_us']['p99.9'],
            '  (uncorrected p99 %s us)' % m['uncorrected_latency_us']['p99'] if m.get('uncorrected_latency_us') else '',
            '  SATURATED' if m['saturated'] else '', '  CLOSED-LOOP' if m['closed_loop'] else ''))
    for line in results.get('verdicts', []):
        print('verdict: %s%s' % (line['text'], ' (saturated)' if line['saturated'] else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main())
