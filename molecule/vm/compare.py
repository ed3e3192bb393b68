# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compare two read-backs of read-steering.sh (before and after a reboot, or a NIC's re-add) queue
by queue: every IRQ by its name (its number may change) with its CPUs, every rx queue's rps_cpus and
rps_flow_cnt, every tx queue's xps_cpus, and rps_sock_flow_entries. Prints a table per NIC, IRQ
numbers before -> after, and every difference; exits 1 when there is one.

Usage: python3 compare.py WHAT BEFORE.json AFTER.json
"""
import json
import sys


def main(argv):
    what, before_path, after_path = argv[1:4]
    with open(before_path) as handle:
        before = json.load(handle)
    with open(after_path) as handle:
        after = json.load(handle)
    wrong = []
    after_nics = dict((nic['interface'], nic) for nic in after['nics'])
    for nic in before['nics']:
        name = nic['interface']
        now = after_nics.get(name)
        if now is None:
            wrong.append('%s is gone' % name)
            continue
        print('%s %s (%s -> %s)' % (what, name, nic['device'], now['device']))
        print('%-18s %-12s %-12s' % ('IRQ name', 'IRQ', 'CPUs'))
        for irq_name, irq in sorted(nic['irqs'].items()):
            got = now['irqs'].get(irq_name)
            numbers = '%s -> %s' % (irq['irq'], got['irq'] if got else '-')
            print('%-18s %-12s %-12s' % (irq_name, numbers, '%s -> %s' % (irq['cpus'], got['cpus'] if got else '-')))
            if got is None or got['cpus'] != irq['cpus']:
                wrong.append('%s %s: CPUs %s, were %s' % (name, irq_name, got and got['cpus'], irq['cpus']))
        for kind in ('rx', 'tx'):
            for queue, values in sorted(nic[kind].items()):
                got = now[kind].get(queue)
                print('%-18s %s' % (queue, ' '.join('%s %s' % item for item in sorted(values.items()))))
                if got != values:
                    wrong.append('%s %s: %s, was %s' % (name, queue, got, values))
    if after['rps_sock_flow_entries'] != before['rps_sock_flow_entries']:
        wrong.append('rps_sock_flow_entries %s, was %s'
                     % (after['rps_sock_flow_entries'], before['rps_sock_flow_entries']))
    for line in wrong:
        print('DIFFERS: ' + line)
    print('%s: %d difference(s)' % (what, len(wrong)))
    return 1 if wrong else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
