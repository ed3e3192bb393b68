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


_WRK_UNITS = {'us': 1.0, 'ms': 1000.0, 's': 1000000.0, 'm': 60000000.0, 'h': 3600000000.0}


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
            # wrk prints the run time in us, ms, s, or m above 51 s ('1.60m')
            match = re.match(r'^([0-9.]+)(us|ms|s|m|h)$', words[3].rstrip(','))
            if not match:
                raise ValueError("wrk run time %r: expected a number with us, ms, s, m or h" % words[3])
            result['seconds'] = float(match.group(1)) * _WRK_UNITS[match.group(2)] / 1e6
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


# wrk2 (giltene/wrk2) --latency [-U]: its summary lines, then per histogram the "Detailed Percentile
# spectrum" (value in ms, percentile, cumulative count) that HdrHistogram prints.
_WRK2_SPECTRUM = re.compile(r'^\s*([0-9.]+)\s+([0-9.]+)\s+(\d+)\s+(?:[0-9.]+|inf)\s*$')


def parse_wrk2(text):
    """wrk2 --latency -U output -> rate and counts as parse_wrk, plus 'calibrated' (wrk2 resets its
    histograms after its calibration, 10 s + 5 ms per connection of a thread: a shorter run counts
    its connection ramp), and per histogram ('corrected': from each request's intended send time,
    'uncorrected': from its actual send) {'latency_us': summary percentiles, 'spectrum':
    [(latency_us, cumulative count)], 'count'}."""
    result = parse_wrk(_wrk2_without_spectra(text))
    result['calibrated'] = 'Thread calibration:' in text
    histograms, current, summary = [], None, {}
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith('Latency Distribution (HdrHistogram'):
            current = {'latency_us': {}, 'spectrum': [], 'count': 0,
                       'kind': 'uncorrected' if 'Uncorrected' in stripped else 'corrected'}
            histograms.append(current)
            summary = current['latency_us']
            continue
        if current is None:
            continue
        match = re.match(r'^([0-9.]+)%\s+([0-9.]+)(us|ms|s|m)$', stripped)
        if match and summary is not None:
            summary[_key(float(match.group(1)))] = int(round(float(match.group(2)) * _WRK_UNITS[match.group(3)]))
            continue
        if stripped.startswith('Detailed Percentile spectrum'):
            summary = None
            continue
        match = _WRK2_SPECTRUM.match(line)
        if match and summary is None:
            current['spectrum'].append((int(round(float(match.group(1)) * 1000)), int(match.group(3))))
            continue
        match = re.match(r'^#\[Max\s*=\s*[0-9.]+,\s*Total count\s*=\s*(\d+)\]', stripped)
        if match:
            current['count'] = int(match.group(1))
    kinds = dict((h.pop('kind'), h) for h in histograms)
    if 'corrected' not in kinds:
        raise ValueError("not wrk2 --latency output: no 'Latency Distribution (HdrHistogram - Recorded Latency)'")
    result['corrected'] = kinds['corrected']
    result['uncorrected'] = kinds.get('uncorrected')
    result['latency_us'] = kinds['corrected']['latency_us']
    return result


def _wrk2_without_spectra(text):
    """wrk2's output with its percentile lines left out (parse_wrk reads wrk's four-line form)."""
    return '\n'.join(line for line in text.splitlines()
                     if not re.match(r'^\s*[0-9.]+%\s', line) and not _WRK2_SPECTRUM.match(line))


def parse_tcpkali(text):
    """tcpkali's summary -> bytes sent and received, its measured seconds, and the latency at the
    percentiles asked with --latency-percentiles (tcpkali prints them in 0.1 ms steps)."""
    result = {'sent_bytes': None, 'received_bytes': None, 'seconds': None, 'latency_us': {}}
    for line in text.splitlines():
        match = re.match(r'^Total data (sent|received):.*\((\d+) bytes\)', line.strip())
        if match:
            result['%s_bytes' % match.group(1)] = int(match.group(2))
            continue
        match = re.match(r'^Test duration: ([0-9.]+) s', line.strip())
        if match:
            result['seconds'] = float(match.group(1))
            continue
        match = re.match(r'^Message latency at percentiles: ([0-9./]+) ms \(([0-9./]+)%\)', line.strip())
        if match:
            values, pcts = match.group(1).split('/'), match.group(2).split('/')
            if len(values) != len(pcts):
                raise ValueError("tcpkali latency line %r: %d values for %d percentiles" % (line, len(values), len(pcts)))
            result['latency_us'] = dict((_key(float(p)), int(round(float(v) * 1000))) for p, v in zip(pcts, values))
    missing = [k for k in ('sent_bytes', 'received_bytes', 'seconds') if result[k] is None]
    if missing or not result['latency_us']:
        raise ValueError("not tcpkali output with --latency-marker: no %s"
                         % ', '.join(missing + ([] if result['latency_us'] else ['latency line'])))
    return result


def spectrum_of_samples(latencies):
    """Raw latencies -> their spectrum [(latency, cumulative count)], one entry per distinct value."""
    spectrum, count = [], 0
    ordered = sorted(latencies)
    for index, value in enumerate(ordered):
        count += 1
        if index + 1 == len(ordered) or ordered[index + 1] != value:
            spectrum.append((value, count))
    return spectrum


def spectrum_of_percentiles(latency_us, count):
    """A client's latencies at a grid of percentiles and its request count -> a spectrum that puts
    the requests between two grid points at the upper one. Its own grid percentiles come back
    unchanged; between grid points it is as fine as the grid (tcpkali's values are its 0.1 ms steps,
    rounded down by tcpkali)."""
    spectrum, seen = [], 0
    for key in sorted(latency_us, key=lambda k: float(k[1:])):
        if latency_us[key] is None:
            continue
        # the nearest rank of that percentile among count requests (as percentile() takes it)
        cumulative = max(seen, -(-int(round(float(key[1:]) * 1000)) * count // 100000))
        if spectrum and spectrum[-1][0] >= latency_us[key]:
            spectrum[-1] = (spectrum[-1][0], cumulative)
        else:
            spectrum.append((latency_us[key], cumulative))
        seen = cumulative
    # the requests above the highest grid point are put at it: the highest latency known
    if spectrum and spectrum[-1][1] < count:
        spectrum[-1] = (spectrum[-1][0], count)
    return spectrum


def merge_spectra(spectra):
    """Several spectra (clients, repeats) -> one: at every latency any of them has, the sum of their
    cumulative counts at or below it. Percentiles of the sum are the merged distribution's, never
    an average of percentiles."""
    values = sorted(set(value for spectrum in spectra for value, _count in spectrum))
    merged, positions, counts = [], [0] * len(spectra), [0] * len(spectra)
    for value in values:
        for index, spectrum in enumerate(spectra):
            while positions[index] < len(spectrum) and spectrum[positions[index]][0] <= value:
                counts[index] = spectrum[positions[index]][1]
                positions[index] += 1
        merged.append((value, sum(counts)))
    return merged


def spectrum_percentiles(spectrum, points=PERCENTILES):
    """Nearest rank on a spectrum: the smallest latency whose cumulative count reaches the rank."""
    total = spectrum[-1][1] if spectrum else 0
    result = {}
    for pct in points:
        if not total:
            result[_key(pct)] = None
            continue
        rank = max(1, -(-int(round(pct * 1000)) * total // 100000))
        result[_key(pct)] = next(value for value, count in spectrum if count >= rank)
    return result


def closed_loop(rate_per_connection, p99_us):
    """True when a connection's next request is due before its slow (p99) response is back: then
    the generator waits on the server and measures less than the server's delay (closed loop in
    effect), the condition rate per connection x p99 >= 1."""
    if not rate_per_connection or p99_us is None:
        return False
    return rate_per_connection * p99_us / 1e6 >= 1


def verdict(tuned, untuned):
    """Per percentile, the values of the repeats of each state -> 'better' (every tuned repeat below
    every untuned one), 'worse' (every tuned repeat above every untuned one) or 'same' (the spreads
    overlap); None with fewer than two repeats of either (no spread to judge by)."""
    tuned = [v for v in tuned if v is not None]
    untuned = [v for v in untuned if v is not None]
    if len(tuned) < 2 or len(untuned) < 2:
        return None
    if max(tuned) < min(untuned):
        return 'better'
    if min(tuned) > max(untuned):
        return 'worse'
    return 'same'


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
    return {
        'requests': len(records),
        'errors': len(records) - len(ok),
        'achieved_rate': round(achieved, 1),
        'target_rate': target_rate,
        'latency_us': percentiles([r[2] for r in ok]),
        'max_us': max([r[2] for r in ok]) if ok else None,
        # the same latencies as counts, to merge with other clients' and repeats'
        'spectrum': spectrum_of_samples([r[2] for r in ok]),
        'saturated': saturated(achieved, target_rate),
    }


def saturated(achieved, target_rate):
    """A point is saturated when it achieved under 97 % of its target rate."""
    return bool(target_rate) and achieved < SATURATED_BELOW * target_rate


# The study's offered loads (requests per second): bench_sweep_rates: study
STUDY_RATES = (50000, 150000, 250000, 350000, 450000, 500000)


def expand_rates(rates):
    """bench_sweep_rates as given: a list of rates, or 'study' for the study's ladder."""
    if isinstance(rates, str):
        if rates.strip() != 'study':
            raise ValueError("rates %r: a list of rates (requests/s or 'N%%' of the maximum), or 'study' (%s)"
                             % (rates, ', '.join(str(r) for r in STUDY_RATES)))
        return list(STUDY_RATES)
    if not rates:
        raise ValueError("rates: at least one rate, or 'study'")
    return list(rates)


def resolve_rate(rate, maximum=None, line_max=None):
    """A rate as given (requests per second) or as 'N%' of the mode's measured maximum, capped at
    line_max (the responses per second the NIC's line rate carries) when that is known: a higher
    target could only measure the NIC's queue."""
    value = _rate(rate, maximum)
    return min(value, int(line_max)) if line_max and int(line_max) > 0 else value


def _rate(rate, maximum):
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
