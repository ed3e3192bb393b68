# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The benchmark's arithmetic (pure): the sweep's points, h2load's per-request log, exact
percentiles over merged raw latencies, saturation and noise flags, CPU and interrupt deltas.

Percentiles are never averaged across clients or repeats: the raw latencies are merged and the
percentile is taken of the merged list (nearest rank, so every reported value is a latency that
was measured).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

PERCENTILES = (50, 90, 95, 99, 99.5, 99.9, 99.99, 99.999)
SATURATED_BELOW = 0.97


def parse_h2load_log(text):
    """h2load --log-file: per request, tab-separated start (us since epoch), status, duration (us)."""
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split('\t')
        if len(fields) != 3:
            raise ValueError("h2load log line %d: expected 3 tab-separated fields, got %r" % (number, line))
        records.append((int(fields[0]), int(fields[1]), int(fields[2])))
    return records


_WRK_UNITS = {'us': 1.0, 'ms': 1000.0, 's': 1000000.0, 'm': 60000000.0}


def parse_wrk(text):
    """wrk --latency output -> {'requests', 'errors', 'seconds', 'achieved_rate', 'latency_us'}.

    wrk reports a closed-loop maximum: its rate, its request count over the run, errors (socket
    errors and non-2xx/3xx responses) and, with --latency, the 50/75/90/99th percentiles of its
    own (HdrHistogram) distribution, given here in microseconds."""
    result = {'requests': None, 'errors': 0, 'seconds': None, 'achieved_rate': None, 'latency_us': {}}
    in_distribution = False
    for line in text.splitlines():
        words = line.split()
        if not words:
            continue
        if words[0] == 'Latency' and words[1:2] == ['Distribution']:
            in_distribution = True
            continue
        if in_distribution and words[0].endswith('%') and len(words) == 2:
            match = re.match(r'^([0-9.]+)(us|ms|s|m)$', words[1])
            if not match:
                raise ValueError("wrk latency %r: expected a number with us, ms, s or m" % words[1])
            key = _key(float(words[0][:-1]))
            result['latency_us'][key] = int(round(float(match.group(1)) * _WRK_UNITS[match.group(2)]))
            continue
        in_distribution = False
        if len(words) >= 5 and words[1:3] == ['requests', 'in']:
            result['requests'] = int(words[0])
            result['seconds'] = float(words[3].rstrip(',').rstrip('s'))
        elif words[0] == 'Socket' and words[1] == 'errors:':
            result['errors'] += sum(int(n) for n in re.findall(r'\d+', line))
        elif line.strip().startswith('Non-2xx or 3xx responses:'):
            result['errors'] += int(words[-1])
        elif words[0] == 'Requests/sec:':
            result['achieved_rate'] = float(words[1])
    if result['achieved_rate'] is None or result['requests'] is None:
        raise ValueError("not wrk output: no 'Requests/sec:' or 'N requests in' line")
    return result


def merge_wrk(runs):
    """Several clients' wrk runs at once -> one point: rates and counts add up; wrk gives only
    percentiles, which cannot be merged, so the point keeps the worst client's (labelled so)."""
    if not runs:
        raise ValueError("no wrk output")
    keys = set()
    for run in runs:
        keys.update(run['latency_us'])
    return {
        'requests': sum(r['requests'] for r in runs),
        'errors': sum(r['errors'] for r in runs),
        'achieved_rate': round(sum(r['achieved_rate'] for r in runs), 1),
        'latency_us': dict((k, max(r['latency_us'].get(k) or 0 for r in runs)) for k in sorted(keys)),
        'latency_from': 'wrk, the worst client' if len(runs) > 1 else 'wrk',
    }


def percentile(ordered, pct):
    """Nearest-rank percentile of an ascending list (a measured value, never interpolated)."""
    if not ordered:
        return None
    # ceil(pct/100 * n) in integers (percent to 1/1000): 99.9 % of 1000 is rank 999, not 1000
    thousandths = int(round(pct * 1000))
    rank = -(-thousandths * len(ordered) // 100000)
    return ordered[min(max(rank, 1), len(ordered)) - 1]


def percentiles(latencies, points=PERCENTILES):
    ordered = sorted(latencies)
    return dict((_key(p), percentile(ordered, p)) for p in points)


def _key(pct):
    return 'p' + ('%g' % pct)


def summarize(records, target_rate, duration, warmup_until=None):
    """One point from merged h2load records: achieved rate, latency percentiles (microseconds),
    errors, and the saturation flag (achieved under 97 % of the target).

    records: [(start_us, status, duration_us)] from every client, merged; those that started
    before warmup_until (us since epoch) are left out. duration: the measured seconds.
    """
    if warmup_until is not None:
        records = [r for r in records if r[0] >= warmup_until]
    ok = [r for r in records if 200 <= r[1] < 400]
    achieved = len(ok) / float(duration) if duration else 0.0
    result = {
        'requests': len(records),
        'errors': len(records) - len(ok),
        'achieved_rate': round(achieved, 1),
        'target_rate': target_rate,
        'latency_us': percentiles([r[2] for r in ok]),
        'max_us': max([r[2] for r in ok]) if ok else None,
    }
    result['saturated'] = bool(target_rate) and achieved < SATURATED_BELOW * target_rate
    return result


def resolve_rate(rate, maximum=None):
    """A rate as given (requests per second) or as 'N%' of the mode's measured maximum."""
    text = str(rate).strip()
    if text.endswith('%'):
        try:
            share = float(text[:-1])
        except ValueError:
            raise ValueError("rate %r is not a number of requests per second or a percentage like '30%%'" % rate)
        if maximum is None:
            raise ValueError("rate %s is relative, but the maximum of this mode and size is not measured" % text)
        if not 0 < share <= 100:
            raise ValueError("rate %s: a percentage of the maximum must be in (0, 100]" % text)
        return int(round(maximum * share / 100.0))
    try:
        value = int(text)
    except ValueError:
        raise ValueError("rate %r is not a number of requests per second or a percentage like '30%%'" % rate)
    if value <= 0:
        raise ValueError("rate %r must be positive" % rate)
    return value


TUNINGS = ('tuned', 'untuned')


def steps(modes, repeats=1, tunings=('tuned',)):
    """The order in which a sweep visits its modes: repeat > tuning state > mode. Each repeat
    deploys every mode in turn, so drift over the run (noisy neighbours, thermal) falls on every
    mode alike; the tuning states alternate their order from one repeat to the next (tuned,
    untuned, then untuned, tuned ...), which halves the switches and balances drift between them.
    Each step is [repeat, tuning, mode]."""
    if not modes:
        raise ValueError("the sweep needs at least one mode")
    if isinstance(repeats, bool) or int(repeats) < 1:
        raise ValueError("repeats %r must be 1 or more" % (repeats,))
    tunings = list(tunings)
    bad = [t for t in tunings if t not in TUNINGS]
    if bad or not tunings or len(set(tunings)) != len(tunings):
        raise ValueError("tunings %r must be one or both of %s, each once" % (tunings, ', '.join(TUNINGS)))
    order = []
    for repeat in range(1, int(repeats) + 1):
        for tuning in (tunings if repeat % 2 else tunings[::-1]):
            for mode in modes:
                order.append([repeat, tuning, mode])
    return order


def line_rate_max(bytes_per_response, speed_mbps):
    """Responses per second the NIC's line rate allows (speed in Mbit/s, as sysfs reports it)."""
    if not speed_mbps or speed_mbps <= 0 or not bytes_per_response:
        return None
    return int(speed_mbps * 1000000 / 8.0 / bytes_per_response)


def parse_proc_stat(text):
    """/proc/stat per-CPU jiffies: {cpu: {busy, softirq, total}}."""
    cpus = {}
    for line in text.splitlines():
        match = re.match(r'^cpu(\d+)\s+(.*)$', line)
        if not match:
            continue
        values = [int(v) for v in match.group(2).split()]
        values += [0] * (10 - len(values))
        user, nice, system, idle, iowait, irq, softirq, steal = values[:8]
        total = user + nice + system + idle + iowait + irq + softirq + steal
        cpus[int(match.group(1))] = {'busy': total - idle - iowait, 'softirq': softirq, 'total': total}
    return cpus


def cpu_usage(before, after):
    """Per-CPU busy and softirq share (percent) between two /proc/stat readings."""
    first, second = parse_proc_stat(before), parse_proc_stat(after)
    usage = {}
    for cpu in sorted(set(first) & set(second)):
        total = second[cpu]['total'] - first[cpu]['total']
        if total <= 0:
            usage[cpu] = {'busy': 0.0, 'softirq': 0.0}
            continue
        usage[cpu] = {'busy': round(100.0 * (second[cpu]['busy'] - first[cpu]['busy']) / total, 1),
                      'softirq': round(100.0 * (second[cpu]['softirq'] - first[cpu]['softirq']) / total, 1)}
    return usage


def parse_interrupts_per_cpu(text):
    """/proc/interrupts: total per CPU over all lines."""
    lines = text.splitlines()
    if not lines:
        return {}
    ncpu = len(lines[0].split())
    totals = [0] * ncpu
    for line in lines[1:]:
        fields = line.split()[1:1 + ncpu]
        for i, field in enumerate(fields):
            if not field.isdigit():
                break
            totals[i] += int(field)
    return dict(enumerate(totals))


def interrupts_delta(before, after):
    first, second = parse_interrupts_per_cpu(before), parse_interrupts_per_cpu(after)
    return dict((cpu, second[cpu] - first.get(cpu, 0)) for cpu in sorted(second))


def parse_pressure(text):
    """/proc/pressure/cpu: {'some': {'avg10': .., 'avg60': .., 'avg300': .., 'total': us}, 'full': ...}."""
    result = {}
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        result[parts[0]] = dict((k, float(v)) for k, v in (p.split('=', 1) for p in parts[1:]))
    return result


def pressure_share(before, after, seconds):
    """Percent of the interval in which some task waited for a CPU (from the 'some total' counter)."""
    first, second = parse_pressure(before), parse_pressure(after)
    if 'some' not in first or 'some' not in second or not seconds:
        return None
    return round(100.0 * (second['some']['total'] - first['some']['total']) / (seconds * 1e6), 1)


def noisy(outside_pressure, threshold=10.0):
    """A point is noisy when, in the quiet window measured just before it (nothing of the benchmark
    running), tasks waited for a CPU more than threshold percent of the time."""
    return outside_pressure is not None and outside_pressure > threshold


def nginx_affinity(cpus):
    """nginx worker_cpu_affinity for one worker per CPU of a list of CPU numbers: '01 10' for [0, 1]."""
    cpus = sorted(set(int(c) for c in cpus))
    if not cpus:
        raise ValueError("nginx needs at least one worker CPU")
    return ' '.join('1' + '0' * cpu for cpu in cpus)
