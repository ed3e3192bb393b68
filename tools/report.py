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
point) and one <client>.log per load generator (h2load --log-file). Percentiles come from the
merged raw latencies of all clients (and, per series/size/rate, of all repeats), never from
averages. A series is a mode in a tuning state: "host", or "host-untuned".
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


def summarize(run_dir):
    """raw/ -> results.json and results.csv; returns the results."""
    raw = os.path.join(run_dir, 'raw')
    points, merged_records = [], {}
    for name in sorted(os.listdir(raw)):
        meta_path = os.path.join(raw, name, 'meta.json')
        if not os.path.exists(meta_path):
            continue
        meta = json.loads(_read(meta_path))
        records = [] if meta.get('tool') == 'wrk' else point_records(os.path.join(raw, name))
        point = dict((k, meta[k]) for k in ('mode', 'size', 'rate', 'repeat', 'target_rate', 'duration', 'kind')
                     if k in meta)
        point['id'] = name
        point['tool'] = meta.get('tool', 'h2load')
        # when the measured window began (microseconds since the epoch)
        point['started'] = meta.get('warmup_until')
        point['tuning'] = meta.get('tuning', 'tuned')
        point['series'] = meta.get('series', point['mode'])
        point.update(measured(meta, records))
        point.update(server_readings(meta))
        points.append(point)
        if meta.get('kind', 'rate') == 'rate':
            key = (point['series'], point['size'], str(point['rate']))
            kept = [r for r in records if meta.get('warmup_until') is None or r[0] >= meta['warmup_until']]
            merged_records.setdefault(key, []).extend(r[2] for r in kept if 200 <= r[1] < 400)

    merged = []
    for (series, size, rate), latencies in sorted(merged_records.items()):
        mine = [p for p in points if p.get('kind', 'rate') == 'rate' and p['series'] == series
                and p['size'] == size and str(p['rate']) == rate]
        spread = {}
        for key in ('p50', 'p99'):
            values = [p['latency_us'][key] for p in mine if p['latency_us'][key] is not None]
            spread[key] = [min(values), max(values)] if values else None
        merged.append({'series': series, 'mode': mine[0]['mode'], 'tuning': mine[0]['tuning'],
                       'size': size, 'rate': rate, 'repeats': len(mine),
                       'target_rate': mine[0]['target_rate'],
                       'achieved_rate': round(sum(p['achieved_rate'] for p in mine) / len(mine), 1),
                       'latency_us': bench.percentiles(latencies),
                       'max_us': max(latencies) if latencies else None, 'spread': spread,
                       'saturated': any(p['saturated'] for p in mine), 'noisy': any(p['noisy'] for p in mine)})
    maxima = {}
    for p in points:
        if p.get('kind') == 'max':
            maxima.setdefault(p['series'], {})[str(p['size'])] = p['achieved_rate']
    environment_path = os.path.join(run_dir, 'environment.json')
    results = {'environment': json.loads(_read(environment_path)) if os.path.exists(environment_path) else {},
               'max_rates': maxima, 'points': points, 'merged': merged}
    with open(os.path.join(run_dir, 'results.json'), 'w') as handle:
        json.dump(results, handle, indent=1, sort_keys=True)
    with open(os.path.join(run_dir, 'results.csv'), 'w', newline='') as handle:
        columns = (['id', 'kind', 'series', 'mode', 'tuning', 'size', 'rate', 'repeat', 'target_rate',
                    'achieved_rate', 'requests', 'errors', 'saturated', 'noisy', 'outside_pressure', 'max_us']
                   + ['%s_us' % k for k in sorted(bench.percentiles([1]), key=lambda k: float(k[1:]))])
        fixed = columns.index('max_us') + 1
        writer = csv.writer(handle)
        writer.writerow(columns)
        for p in points:
            row = [p.get(c) for c in columns[:fixed]] + [p['latency_us'][c[:-3]] for c in columns[fixed:]]
            writer.writerow(row)
    return results


def measured(meta, records):
    """Rate, requests, errors and latency percentiles of one point: from the merged h2load
    records, or from the clients' wrk outputs (a closed-loop maximum)."""
    if meta.get('tool') != 'wrk':
        return bench.summarize(records, meta.get('target_rate'), meta['duration'], meta.get('warmup_until'))
    result = bench.merge_wrk([bench.parse_wrk(client['output']) for client in meta['clients'].values()])
    latency = dict((key, None) for key in bench.percentiles([]))
    latency.update(result['latency_us'])
    result.update({'latency_us': latency, 'max_us': None, 'target_rate': None, 'saturated': False})
    return result


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


def charts(run_dir, results):
    """One PNG per (rate, size): latency against percentile on a nines axis, a line per mode."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.ticker
    from matplotlib import pyplot

    made = []
    groups = {}
    for m in results['merged']:
        groups.setdefault((m['rate'], m['size']), []).append(m)
    for (rate, size), lines in sorted(groups.items(), key=lambda item: (str(item[0][0]), item[0][1])):
        figure, axes = pyplot.subplots(figsize=(7, 4.2))
        for line in sorted(lines, key=lambda m: m['series']):
            keys = [k for k in line['latency_us'] if line['latency_us'][k] is not None]
            keys.sort(key=lambda k: float(k[1:]))
            xs = [nines(float(k[1:])) for k in keys]
            ys = [line['latency_us'][k] / 1000.0 for k in keys]
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
        axes.set_title('%s, %s-byte responses' % (_rate_label(rate), size))
        axes.grid(True, which='both', alpha=0.3)
        axes.legend()
        name = 'latency-%s-%s.png' % (str(rate).replace('%', 'pct'), size)
        figure.tight_layout()
        figure.savefig(os.path.join(run_dir, name), dpi=100)
        pyplot.close(figure)
        made.append(((rate, size), name))
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
    for (rate, size), name in made:
        out.append('<h2>%s, %s-byte responses</h2><img src="%s" alt="latency chart">'
                   % (html.escape(_rate_label(rate)), size, html.escape(name)))
    out.append('<h2>Each mode against host networking (in the same tuning state)</h2>'
               '<table><tr><th>size</th><th>rate</th><th>series</th>'
               '<th>achieved/s</th><th>p50 &micro;s</th><th>p99 &micro;s</th><th>p50 / host</th><th>p99 / host</th>'
               '<th>p50 spread</th><th>p99 spread</th><th>repeats</th><th>flags</th></tr>')
    for m in results['merged']:
        host = [h for h in results['merged'] if h['mode'] == 'host' and h['tuning'] == m['tuning']
                and h['size'] == m['size'] and h['rate'] == m['rate']]
        host = host[0] if host else None
        flags = ' '.join(f for f in ('saturated', 'noisy') if m[f])
        out.append('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>'
                   '<td>%s</td><td>%s</td><td>%d</td><td class="bad">%s</td></tr>' % (
                       m['size'], html.escape(str(m['rate'])), html.escape(m['series']), m['achieved_rate'],
                       m['latency_us']['p50'], m['latency_us']['p99'],
                       _ratio(m['latency_us']['p50'], host and host['latency_us']['p50']),
                       _ratio(m['latency_us']['p99'], host and host['latency_us']['p99']),
                       m['spread']['p50'], m['spread']['p99'], m['repeats'], flags))
    out.append('</table>')
    pairs = tuning_pairs(results)
    if pairs:
        out.append('<h2>Untuned against tuned, at the same offered load</h2><table><tr><th>size</th>'
                   '<th>rate</th><th>mode</th><th>target/s</th><th>p50 tuned</th><th>p50 untuned</th>'
                   '<th>p99 tuned</th><th>p99 untuned</th><th>p50 untuned / tuned</th>'
                   '<th>p99 untuned / tuned</th></tr>')
        for tuned, untuned in pairs:
            out.append('<tr>%s</tr>' % ''.join('<td>%s</td>' % html.escape(str(v)) for v in (
                tuned['size'], tuned['rate'], tuned['mode'], tuned['target_rate'],
                tuned['latency_us']['p50'], untuned['latency_us']['p50'],
                tuned['latency_us']['p99'], untuned['latency_us']['p99'],
                _ratio(untuned['latency_us']['p50'], tuned['latency_us']['p50']),
                _ratio(untuned['latency_us']['p99'], tuned['latency_us']['p99']))))
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
               'noisy points were taken while CPU pressure from outside the benchmark was high.</p></body></html>')
    path = os.path.join(run_dir, 'report.html')
    with open(path, 'w') as handle:
        handle.write('\n'.join(out) + '\n')
    return path, [name for _key, name in made]


def tuning_pairs(results):
    """(tuned, untuned) merged entries of the same mode, size and rate (so the same offered load)."""
    tuned = dict(((m['mode'], m['size'], str(m['rate'])), m) for m in results['merged'] if m['tuning'] == 'tuned')
    return [(tuned[(m['mode'], m['size'], str(m['rate']))], m) for m in results['merged']
            if m['tuning'] == 'untuned' and (m['mode'], m['size'], str(m['rate'])) in tuned]


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
        records = [] if meta.get('tool') == 'wrk' else point_records(args.run_dir)
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
        print('%-22s size %-5s rate %-6s achieved %8.1f/s  p50 %6s us  p99 %6s us  p99 spread %s%s' % (
            m['series'], m['size'], m['rate'], m['achieved_rate'], m['latency_us']['p50'], m['latency_us']['p99'],
            m['spread']['p99'], '  SATURATED' if m['saturated'] else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main())
