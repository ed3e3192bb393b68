# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The captured outputs of real hosts in tests/unit/fixtures, read as text."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures')


def read(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def interrupts_text(name):
    """A /proc/interrupts capture, with the CPU header line added where the poster left it out
    (as many CPUs as the first IRQ line has counts)."""
    text = read(name)
    first = text.splitlines()[0]
    if first.split()[0].startswith('CPU'):
        return text
    counts = 0
    for field in first.split(':', 1)[1].split():
        if not field.isdigit():
            break
        counts += 1
    return ' '.join('CPU%d' % cpu for cpu in range(counts)) + '\n' + text


def numa_topology(name, core_of):
    """A topology dict (the plan's input) from a `numactl -H` capture, or from a plain `lscpu` one's
    "NUMA nodeN CPU(s):" lines. core_of(cpu, cpus) gives a CPU's core number: neither tool says which
    threads share a core, so the test states the machine's enumeration."""
    text = read(name)
    nodes = {}
    distances = {}
    header = []
    for line in text.splitlines():
        words = line.split()
        if line.startswith('node ') and ' cpus:' in line:
            nodes[int(words[1])] = [int(cpu) for cpu in words[3:]]
        elif line.startswith('NUMA node') and 'CPU(s):' in line:
            node = int(line.split('NUMA node')[1].split()[0])
            nodes[node] = [cpu for part in line.split(':', 1)[1].strip().split(',') for cpu in
                           range(int(part.split('-')[0]), int(part.split('-')[-1]) + 1)]
        elif words[:2] == ['node', 'distances:']:
            header = []
        elif words and words[0] == 'node' and not header and all(w.isdigit() for w in words[1:]):
            header = [int(w) for w in words[1:]]
        elif header and words and words[0].endswith(':') and words[0][:-1].isdigit():
            distances[words[0][:-1]] = dict((str(h), int(d)) for h, d in zip(header, words[1:]))
    every = sorted(cpu for cpus in nodes.values() for cpu in cpus)
    cores = {}
    for cpu in every:
        cores.setdefault(core_of(cpu, len(every)), []).append(cpu)

    def span(cpus):
        return ','.join(str(cpu) for cpu in sorted(cpus))

    siblings = dict((str(cpu), span(members)) for members in cores.values() if len(members) > 1 for cpu in members)
    topology = {'online': span(every), 'possible': every[-1] + 1, 'isolated': '',
                'nodes': dict((str(node), span(cpus)) for node, cpus in nodes.items()),
                'physical': span(min(members) for members in cores.values()), 'siblings': siblings}
    if distances:
        topology['distances'] = distances
    return topology


def put(root, rel, text, mode=None):
    """Write text at root/rel (a leading / ignored), making its directories; the path written."""
    path = os.path.join(str(root), rel.lstrip('/'))
    if not os.path.isdir(os.path.dirname(path)):
        os.makedirs(os.path.dirname(path))
    with open(path, 'w') as handle:
        handle.write(text)
    if mode is not None:
        os.chmod(path, mode)
    return path
