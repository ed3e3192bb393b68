# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run irqbalance (its systemd unit, with the config site.yml left) for a fixed time on a tuned
guest and report what it did: the pinned IRQs must not move, irqbalance must have moved some other
IRQ (its own work goes on), and no IRQ it moved may land on a CPU of its ban list. The other IRQs
it moved are put back afterwards, so that reset can be compared with the record taken before
site.yml. Prints a JSON report; exits 1 when a check fails.

Usage: python3 irqbalance.py SECONDS PINNED BANNED
  PINNED: irq=cpulist;irq=cpulist;... (the plan's IRQ affinity); BANNED: the CPU list irqbalance
  must keep off (the plan's irqbalance_banned_cpus).
"""
import json
import os
import subprocess
import sys
import time


def cpus(text):
    result = set()
    for part in text.strip().split(','):
        if part:
            first, _sep, last = part.partition('-')
            result.update(range(int(first), int(last or first) + 1))
    return result


def affinities():
    result = {}
    for irq in os.listdir('/proc/irq'):
        try:
            with open('/proc/irq/%s/smp_affinity_list' % irq) as handle:
                result[irq] = handle.read().strip()
        except OSError:
            continue
    return result


def names():
    result = {}
    with open('/proc/interrupts') as handle:
        for line in handle.readlines()[1:]:
            head, _sep, rest = line.partition(':')
            if head.strip().isdigit():
                result[head.strip()] = rest.split()[-1]
    return result


def main(argv):
    seconds, pinned_text, banned_text = int(argv[1]), argv[2], argv[3]
    pinned = dict(pair.split('=') for pair in pinned_text.split(';') if pair)
    banned = cpus(banned_text)
    before = affinities()
    subprocess.run(['systemctl', 'start', 'irqbalance'], check=True)
    time.sleep(seconds)
    pid = subprocess.run(['pidof', 'irqbalance'], capture_output=True, text=True, check=False).stdout.strip()
    cmdline = ''
    if pid:
        with open('/proc/%s/cmdline' % pid.split()[0]) as handle:
            cmdline = handle.read().replace('\0', ' ').strip()
    subprocess.run(['systemctl', 'stop', 'irqbalance'], check=True)
    after = affinities()
    label = names()
    ours_moved = dict((irq, [want, after.get(irq)]) for irq, want in pinned.items()
                      if cpus(after.get(irq, '')) != cpus(want))
    moved = dict((irq, [before[irq], after[irq]]) for irq in before
                 if irq not in pinned and irq in after and after[irq] != before[irq])
    on_banned = sorted((irq for irq, (_was, now) in moved.items() if cpus(now) & banned), key=int)
    restored = []
    for irq in sorted(moved, key=int):
        try:
            with open('/proc/irq/%s/smp_affinity_list' % irq, 'w') as handle:
                handle.write(before[irq])
            restored.append(irq)
        except OSError:
            pass
    report = {
        'seconds': seconds, 'cmdline': cmdline, 'banned_cpus': banned_text,
        'pinned_unmoved': len(pinned) - len(ours_moved), 'pinned_moved': ours_moved,
        'others_moved': dict(('%s %s' % (irq, label.get(irq, '')), change) for irq, change in moved.items()),
        'moved_onto_banned_cpus': on_banned, 'put_back': len(restored),
    }
    print(json.dumps(report, indent=1, sort_keys=True))
    ok = pid and pinned and not ours_moved and moved and not on_banned
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
