# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who moved an IRQ away from the plan: the likely writer, from what the host shows (read-only).

Drift is reported, never fought: the irq_affinity module reads its IRQs back right after writing
them, and for each one that moved this names the queue it serves (where the IRQ's name or the
device's MSI vectors tell) and the tools on the host that rewrite IRQ affinity:

* **irqbalance** running (a process whose ``/proc/PID/comm`` is ``irqbalance``) without a ban of
  that IRQ on its command line (``--banirq=N``, ``-i N``);
* **TuneD** running with an active profile (``/etc/tuned/active_profile``, its ``include=`` chain
  followed) that has an ``[irq]`` section, a ``[scheduler]`` section that moves IRQs
  (``isolated_cores``, ``default_irq_smp_affinity``) or an ``[irqbalance]`` section;
* a **udev rule** (``/etc``, ``/run``, ``/usr/lib``, ``/lib`` ``udev/rules.d``, the first of a name
  wins as udev reads them) that writes ``smp_affinity``, other than this collection's own;

otherwise ``unknown``.  Everything is read under the root of a ``hostinfo.Host``, so the tests run
it on small fake trees.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

UDEV_DIRS = ('etc/udev/rules.d', 'run/udev/rules.d', 'usr/lib/udev/rules.d', 'lib/udev/rules.d')
OUR_UDEV_RULE = '90-lowlat-k8snet.rules'
TUNED_PROFILE_DIRS = ('etc/tuned/profiles', 'etc/tuned', 'usr/lib/tuned/profiles', 'usr/lib/tuned')
_QUEUE = re.compile(r'(?:txrx|rx|tx|input|output|comp|queue)[-._]?(\d+)', re.I)
_BANIRQ = re.compile(r'^(?:--banirq=|-i)(\d+)$')


def processes(host, name):
    """PIDs (ints, sorted) of the processes whose comm is name."""
    return [int(pid) for pid in host.listdir('proc') if pid.isdigit() and host.read('proc', pid, 'comm') == name]


def _cmdline(host, pid):
    try:
        with open(host.path('proc', str(pid), 'cmdline'), 'rb') as handle:
            raw = handle.read()
    except (IOError, OSError):
        return []
    return [part.decode('utf-8', 'replace') for part in raw.split(b'\0') if part]


def banned_irqs(argv):
    """The IRQs an irqbalance command line bans (--banirq=N, --banirq N, -i N, -iN)."""
    banned = set()
    args = list(argv[1:])
    for index, arg in enumerate(args):
        match = _BANIRQ.match(arg)
        if match:
            banned.add(int(match.group(1)))
        elif arg in ('--banirq', '-i') and index + 1 < len(args) and args[index + 1].isdigit():
            banned.add(int(args[index + 1]))
    return banned


def parse_ini(text):
    """A TuneD profile: [(section, {option: value})] in file order (no interpolation)."""
    sections = []
    for line in (text or '').splitlines():
        line = line.strip()
        if not line or line[0] in '#;':
            continue
        if line.startswith('[') and line.endswith(']'):
            sections.append((line[1:-1].strip(), {}))
        elif '=' in line and sections:
            key, _sep, value = line.partition('=')
            sections[-1][1][key.strip()] = value.strip()
    return sections


def _profile_file(host, profile):
    for base in TUNED_PROFILE_DIRS:
        if host.exists(base, profile, 'tuned.conf'):
            return '%s/%s/tuned.conf' % (base, profile)
    return None


def tuned_irq_sections(host, profiles):
    """The sections of the profiles (includes first, as TuneD merges them) that touch IRQ affinity,
    as 'profile [section] why' strings."""
    found = []
    seen = set()

    def visit(profile, depth):
        if profile in seen or depth > 10 or '$' in profile:
            return
        seen.add(profile)
        rel = _profile_file(host, profile)
        if rel is None:
            return
        sections = parse_ini(host.read(rel, default=''))
        for name, options in sections:
            if name == 'main':
                for included in re.split(r'[\s,]+', options.get('include', '')):
                    if included:
                        visit(included, depth + 1)
        for name, options in sections:
            kind = options.get('type', name)
            why = None
            if kind == 'irq':
                why = 'sets IRQ affinity'
            elif kind == 'irqbalance' and options.get('banned_cpus'):
                why = 'rewrites irqbalance\'s banned CPUs (banned_cpus=%s) and restarts it' % options['banned_cpus']
            elif kind == 'scheduler':
                moves = [key for key in ('isolated_cores', 'default_irq_smp_affinity')
                         if options.get(key) and options.get(key) != 'ignore']
                if moves and options.get('irq_process', 'true').lower() not in ('false', '0', 'no', 'off'):
                    why = 'moves IRQs (%s)' % ', '.join('%s=%s' % (key, options[key]) for key in moves)
            if why:
                found.append('%s [%s] %s' % (profile, name, why))

    for profile in profiles:
        visit(profile, 0)
    return found


def udev_rules_writing_affinity(host):
    """udev rule files (absolute paths) with a line that writes smp_affinity, ours left out."""
    seen = set()
    found = []
    for base in UDEV_DIRS:
        for name in host.listdir(base):
            if not name.endswith('.rules') or name in seen:
                continue
            seen.add(name)
            if name == OUR_UDEV_RULE:
                continue
            text = host.read(base, name, default='') or ''
            if any('smp_affinity' in line and not line.lstrip().startswith('#') for line in text.splitlines()):
                found.append('/%s/%s' % (base, name))
    return found


def writers_on(host):
    """What on this host rewrites IRQ affinity: {irqbalance: [(pid, banned IRQs)], tuned: {pids,
    profiles, sections} or None, udev: [rule files]}."""
    balance = [(pid, banned_irqs(_cmdline(host, pid))) for pid in processes(host, 'irqbalance')]
    tuned = None
    pids = processes(host, 'tuned')
    if pids:
        profiles = (host.read('etc/tuned/active_profile', default='') or '').split()
        tuned = {'pids': pids, 'profiles': profiles, 'sections': tuned_irq_sections(host, profiles)}
    return {'irqbalance': balance, 'tuned': tuned, 'udev': udev_rules_writing_affinity(host)}


def queue_of(name):
    """The queue number in an IRQ's action name (eth0-TxRx-3, virtio0-input.1, mlx5_comp2@pci:...)."""
    matches = _QUEUE.findall(name or '')
    return int(matches[-1]) if matches else None


def interface_of(host, irq, name):
    """The interface whose device owns the IRQ (its MSI vectors, or its name in the IRQ's name)."""
    tokens = set(re.split(r'[-@:._]', name or ''))
    for interface in host.listdir('sys/class/net'):
        device = host.path('sys/class/net', interface, 'device')
        if os.path.exists(device):
            real = os.path.realpath(device)
            # a virtio device's vectors are its PCI parent's
            owners = (real, os.path.dirname(real)) if os.path.basename(real).startswith('virtio') else (real,)
            for where in owners:
                if os.path.exists(os.path.join(where, 'msi_irqs', str(irq))):
                    return interface
            # virtio: the IRQ is named after the virtio device (virtio0-input.0)
            if name and name.startswith(os.path.basename(real) + '-'):
                return interface
        if interface in tokens or (name and name.startswith(interface + '-')):
            return interface
    return None


def likely_writers(irq, writers):
    """[(writer, reason)] for one IRQ, most likely first."""
    out = []
    for pid, banned in writers.get('irqbalance') or []:
        if irq not in banned:
            out.append(('irqbalance', 'irqbalance runs (pid %d) and does not ban IRQ %d (no --banirq=%d on its '
                                      'command line)' % (pid, irq, irq)))
            break
    tuned = writers.get('tuned')
    if tuned and tuned['sections']:
        out.append(('tuned', 'TuneD runs (pid %s) with profile %s: %s' % (
            ','.join(str(pid) for pid in tuned['pids']), ' '.join(tuned['profiles']) or '(none)',
            '; '.join(tuned['sections']))))
    if writers.get('udev'):
        out.append(('udev', 'udev rule(s) %s write smp_affinity' % ', '.join(writers['udev'])))
    return out


def drift_report(host, drifted, names=None, writers=None):
    """One entry per IRQ that moved: drifted is [(irq, planned CPU list, CPU list now)], names the
    IRQs' action names. Each entry: irq, name, interface, queue (None where unknown), planned, now,
    writer (the most likely one, or 'unknown'), writers (every candidate), reason."""
    names = names or {}
    if writers is None:
        writers = writers_on(host)
    report = []
    for irq, planned, now in drifted:
        name = names.get(irq) or ''
        candidates = likely_writers(irq, writers)
        report.append({
            'irq': irq, 'name': name, 'interface': interface_of(host, irq, name), 'queue': queue_of(name),
            'planned': planned, 'now': now,
            'writer': candidates[0][0] if candidates else 'unknown',
            'writers': [writer for writer, _why in candidates],
            'reason': '; '.join(why for _writer, why in candidates) or
                      'no irqbalance, IRQ-moving TuneD profile or udev rule found: another tool moved it',
        })
    return report
