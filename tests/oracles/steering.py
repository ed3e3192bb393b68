# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a tuned host's kernel must read back, from the study's rule and the host's own topology.

Written apart from plugins/module_utils (it imports nothing from the collection), so that a test
comparing the kernel with these expectations does not just check that the apply step copied the
plan. For a NIC that reports no NUMA node of its own and has fewer rx queues than cores (the
study's hosts, the qemu guests: the dedicated layout), after site.yml with the default policy:

* queue q is served by NUMA node q mod N (nodes in id order); its IRQs are on the node's first CPU;
* its rps_cpus are the node's other physical CPUs (one thread per core, the IRQ CPU left out);
  a NIC without IRQs (veth) has no IRQ CPU to leave out, so its rps_cpus are the node's physical CPUs;
* XPS (only with several tx queues) partitions each node's CPUs among the tx queues it serves
  (q mod N): its cores in order, cut into as many contiguous runs as those queues, the first runs one
  core longer when they do not divide evenly, each core with its hyperthreads;
* rps_sock_flow_entries is the next power of two >= the planned connections, and each rx queue's
  rps_flow_cnt is that divided by the rx queues, rounded up to a power of two as the kernel does;
* the physical NICs under a bond (or a VLAN on one) take their places in one row of queues, in
  name order (eth2 before eth10; not the bond's slave order, which changes when a slave is added
  again): a NIC after others starts at the position after their queues (offset), so its queue q is
  served by node (q + offset) mod N, and its XPS is dealt out as for a NIC alone;
* only CPUs that are online, not isolated (isolcpus), not nohz_full and, where the host reserves
  CPUs for the system (kubelet's reservedSystemCPUs), reserved take part: a node's "first CPU" and
  "other cores" are its first and other such CPUs. Pinned processes stay on them too.

Usage on a read-back of the qemu guests (molecule/vm/read-steering.sh prints it):
    python3 tests/oracles/steering.py --connections 60000 [--reserved 0-1,3-7] READBACK.json
prints one line per queue of every NIC and every mismatch; exits 1 when there is one.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import re
import sys


def cpus(text):
    """A kernel CPU list ('0-3,8', '' for none) as a set of ints."""
    result = set()
    for part in str(text).strip().split(','):
        part = part.strip()
        if not part:
            continue
        first, _sep, last = part.partition('-')
        result.update(range(int(first), int(last or first) + 1))
    return result


def mask_cpus(text):
    """A kernel hex mask ('00000000,0003fdfe', '0e', '' or '0' for none) as a set of ints."""
    digits = ''.join(str(text).split()).replace(',', '')
    value = int(digits, 16) if digits else 0
    return set(bit for bit in range(value.bit_length()) if value >> bit & 1)


def show(cpu_set):
    """A set of CPUs as a short kernel-style list, for messages."""
    ranges = []
    for cpu in sorted(cpu_set):
        if ranges and cpu == ranges[-1][1] + 1:
            ranges[-1][1] = cpu
        else:
            ranges.append([cpu, cpu])
    return ','.join(str(a) if a == b else '%d-%d' % (a, b) for a, b in ranges) or '-'


def pow2(number):
    """The smallest power of two >= number (1 for 0 or less)."""
    result = 1
    while result < number:
        result *= 2
    return result


def physical(siblings):
    """{cpu: its thread siblings (a set, itself included)} -> the first thread of every core."""
    return set(min(group) for group in siblings.values())


def expect(nodes, physical_cpus, rx, tx, connections, irqs=True, siblings=None, offset=0):
    """The read-back the rule wants. nodes: {node id: set of the CPUs steering may use}; siblings:
    {cpu: its core's CPUs} (None: one thread per core); offset: the queues of the NICs before this
    one in its bond."""
    ids = sorted(nodes)
    serving = [ids[(q + offset) % len(ids)] for q in range(rx)]
    irq_cpu = dict((q, min(nodes[node])) for q, node in enumerate(serving))
    entries = pow2(connections) if connections > 0 else 0
    xps = {}
    if tx > 1:
        for index, node in enumerate(ids):
            queues = [q for q in range(tx) if (q + offset) % len(ids) == index]
            cores = sorted(nodes[node] & physical_cpus)
            start = 0
            for rank, q in enumerate(queues):
                size = len(cores) // len(queues) + (1 if rank < len(cores) % len(queues) else 0)
                run = cores[start:start + size]
                start += size
                xps[q] = set(thread for cpu in run for thread in (siblings or {}).get(cpu, set([cpu])))
    return {
        'irq_cpu': irq_cpu if irqs else {},
        'rps': dict((q, (nodes[node] & physical_cpus) - (set([irq_cpu[q]]) if irqs else set()))
                    for q, node in enumerate(serving)),
        'xps': xps,
        'flow': dict((q, pow2(entries // rx) if entries else 0) for q in range(rx)),
        'entries': entries,
    }


def check(expected, read, irqs=True):
    """Mismatches between the rule and a read-back, as sentences (empty: none).

    read: {'irq_cpus': {q: set of the CPUs of every IRQ of queue q}, 'rps': {q: set},
    'xps': {q: set}, 'flow': {q: int}, 'entries': int, or None where it cannot be read (a container's
    network namespace)}. irqs=False for NICs without IRQs (veth).
    """
    wrong = []
    if sorted(read['rps']) != sorted(expected['rps']):
        wrong.append('rx queues %s read, the rule has %s' % (sorted(read['rps']), sorted(expected['rps'])))
    for q, cpu in sorted(expected['irq_cpu'].items()):
        if not irqs:
            break
        got = read['irq_cpus'].get(q)
        if got != set([cpu]):
            wrong.append('queue %d: IRQ CPUs %s, the rule wants %d (first CPU of its node)'
                         % (q, show(got) if got is not None else 'not found', cpu))
    for q, want in sorted(expected['rps'].items()):
        got = read['rps'].get(q)
        if got != want:
            wrong.append('rx-%d: rps_cpus %s, the rule wants %s' % (q, show(got or set()), show(want)))
    for q, want in sorted(expected['xps'].items()):
        got = read['xps'].get(q)
        if got != want:
            wrong.append('tx-%d: xps_cpus %s, the rule wants %s' % (q, show(got or set()), show(want)))
    for q, want in sorted(expected['flow'].items()):
        if read['flow'].get(q) != want:
            wrong.append('rx-%d: rps_flow_cnt %s, the rule wants %d' % (q, read['flow'].get(q), want))
    if read['entries'] is not None and read['entries'] != expected['entries']:
        wrong.append('rps_sock_flow_entries %s, the rule wants %d' % (read['entries'], expected['entries']))
    return wrong


def allowed(data, reserved=None):
    """The CPUs steering may use on the host read back: online (the nodes' CPUs), minus isolated
    and nohz_full ones, within the reserved set when one is given."""
    online = set()
    for text in data['numa'].values():
        online |= cpus(text)
    # the kernel prints "(null)" in nohz_full when it has none
    nohz = data.get('nohz_full', '').strip()
    result = online - cpus(data.get('isolated', '')) - cpus('' if nohz == '(null)' else nohz)
    return result & cpus(reserved) if reserved else result


def name_order(name):
    """eth2 before eth10: runs of digits compared as numbers."""
    return [(0, int(run), '') if run.isdigit() else (1, 0, run) for run in re.split(r'(\d+)', name) if run]


def nics(data):
    """molecule/vm/read-steering.sh's JSON -> [(interface, offset, that NIC's part of the JSON)]: its
    physical NICs in name order, each with the queues of those before it."""
    parts = sorted(data.get('nics') or [data], key=lambda part: name_order(part['interface']))
    result, offset = [], 0
    for part in parts:
        result.append((part['interface'], offset, part))
        offset += len(part['rx'])
    return result


def from_readback(data, nic=None, cpu_set=None):
    """molecule/vm/read-steering.sh's JSON -> (nodes, physical CPUs, rx, tx, read), for one NIC of it
    (``nic``: its part, default the first) and the CPUs steering may use (``cpu_set``, default all)."""
    nodes = dict((int(node), cpus(text)) for node, text in data['numa'].items())
    if cpu_set is not None:
        nodes = dict((node, members & cpu_set) for node, members in nodes.items())
    siblings = dict((int(cpu), cpus(text)) for cpu, text in data['siblings'].items())
    nic = nic or nics(data)[0][2]
    rx = sorted(int(q.split('-')[1]) for q in nic['rx'])
    tx = sorted(int(q.split('-')[1]) for q in nic['tx'])
    irq_cpus = {}
    for q in rx:
        # virtioN-input.Q / virtioN-output.Q: the two vectors of queue pair Q; one missing is not found
        vectors = [nic['irqs'].get('%s-%s.%d' % (nic['device'], kind, q)) for kind in ('input', 'output')]
        if all(vectors):
            irq_cpus[q] = cpus(vectors[0]['cpus']) | cpus(vectors[1]['cpus'])
    read = {
        'irq_cpus': irq_cpus,
        'rps': dict((q, mask_cpus(nic['rx']['rx-%d' % q]['rps_cpus'])) for q in rx),
        'xps': dict((q, mask_cpus(nic['tx']['tx-%d' % q]['xps_cpus'])) for q in tx) if len(tx) > 1 else {},
        'flow': dict((q, int(nic['rx']['rx-%d' % q]['rps_flow_cnt'])) for q in rx),
        'entries': int(data['rps_sock_flow_entries']),
    }
    return nodes, physical(siblings), len(rx), len(tx), read


def table(expected, read):
    """One line per queue: what was read, and what the rule wants where it differs."""
    lines = ['queue  IRQ CPUs  rps_cpus    rps_flow_cnt  xps_cpus']
    for q in sorted(read['rps']):
        lines.append('%-6d %-9s %-11s %-13s %s' % (
            q, show(read['irq_cpus'].get(q, set())), show(read['rps'][q]), read['flow'].get(q),
            show(read['xps'].get(q, set()))))
    lines.append('rps_sock_flow_entries %d' % read['entries'])
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description='Check a read-back against the study\'s steering rule.')
    parser.add_argument('--connections', type=int, required=True)
    parser.add_argument('--rx-queues', type=int, help='fail unless every NIC has this many rx queues')
    parser.add_argument('--reserved', help="the CPUs the host reserves for the system (kubelet's "
                        "reservedSystemCPUs); default: all")
    parser.add_argument('--pinned', default='', help='CPUs processes are pinned to, which must be among '
                        'the CPUs steering may use')
    parser.add_argument('readback')
    args = parser.parse_args(argv)
    with open(args.readback) as handle:
        data = json.load(handle)
    usable = allowed(data, args.reserved)
    wrong = []
    print('CPUs steering may use: %s (%d)' % (show(usable), len(usable)))
    for name, offset, part in nics(data):
        nodes, physical_cpus, rx, tx, read = from_readback(data, part, usable)
        expected = expect(nodes, physical_cpus, rx, tx, args.connections, offset=offset)
        found = check(expected, read)
        if args.rx_queues is not None and rx != args.rx_queues:
            found.append('%d rx queues read, %d wanted' % (rx, args.rx_queues))
        print('%s (%s, queues from position %d):' % (name, part['device'], offset))
        print('\n'.join(table(expected, read)))
        wrong += ['%s %s' % (name, line) for line in found]
    outside = cpus(args.pinned) - usable
    if outside:
        wrong.append('pinned CPUs %s are outside the CPUs steering may use (%s)' % (show(outside), show(usable)))
    for line in wrong:
        print('MISMATCH: ' + line)
    print('%d mismatch(es) with the rule' % len(wrong))
    return 1 if wrong else 0


if __name__ == '__main__':
    sys.exit(main())
