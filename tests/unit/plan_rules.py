# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rules a steering plan must keep, written apart from plugins/module_utils/plan.py (this file
imports nothing from the collection but the plain topology dict's format), so that a plan is
checked against what scaling.rst and the study ask for, not against the plan's own output.

``broken(topology, nic, plan, ...)`` returns the rules a plan breaks, as sentences (empty: none).
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type


def cpus(text):
    """'0-3,8' -> {0, 1, 2, 3, 8}; '' -> set()."""
    out = set()
    for part in str(text).split(','):
        part = part.strip()
        if part:
            first, _sep, last = part.partition('-')
            out.update(range(int(first), int(last or first) + 1))
    return out


class Shape(object):
    """Nodes, cores and siblings of a topology dict (lscpu_topology / host_facts)."""

    def __init__(self, topology):
        self.online = cpus(topology['online'])
        self.isolated = cpus(topology.get('isolated') or '')
        for source, text in (topology.get('isolation') or {}).items():
            if source != 'isolcpus_flags':
                self.isolated |= cpus(text)
        self.house = self.online - self.isolated
        self.nodes = dict((int(node), cpus(text) & self.online) for node, text in topology['nodes'].items())
        self.nodes = dict((node, members) for node, members in self.nodes.items() if members)
        self.core = dict((cpu, set([cpu])) for cpu in self.online)
        for cpu, text in (topology.get('siblings') or {}).items():
            self.core[int(cpu)] = cpus(text) & self.online
        self.first = set(min(self.core[cpu] & self.house) for cpu in self.house)

    def node_of(self, cpu):
        return [node for node, members in self.nodes.items() if cpu in members][0]

    def cores_of(self, node):
        return [cpu for cpu in self.first if cpu in self.nodes[node]]


def queue_cpus(nic, plan):
    """{queue vector index: set of the CPUs its IRQs were given}."""
    vectors = nic.get('queues') or [[irq] for irq in nic.get('irqs') or []]
    return dict((q, set(int(plan['irq_affinity'][str(irq)]) for irq in vector)) for q, vector in enumerate(vectors))


def broken(topology, nic, plan, max_queues=4, local=True, rps_scope='node', apps_with_irq=False):
    """Every rule the plan breaks. local: the policy keeps a NIC with a known node on it; rps_scope
    'all' and apps_with_irq: the study's RPS scope and application CPUs."""
    shape = Shape(topology)
    wrong = []
    per_queue = queue_cpus(nic, plan)
    node = nic.get('numa_node')
    node = node if node is not None and node >= 0 and local and shape.cores_of(node) else None
    steered_nodes = [node] if node is not None else sorted(shape.nodes)
    irq_cpus = set()
    for q, got in per_queue.items():
        if len(got) != 1:
            wrong.append('queue %d: its IRQs are on CPUs %s, not on one CPU' % (q, sorted(got)))
            continue
        cpu = list(got)[0]
        irq_cpus.add(cpu)
        if cpu not in shape.house:
            wrong.append('queue %d: IRQ CPU %d is not a housekeeping online CPU' % (q, cpu))
    load = {}
    for q, got in per_queue.items():
        for cpu in got:
            load[cpu] = load.get(cpu, 0) + 1
    irq_cores = set()
    for cpu in irq_cpus:
        irq_cores |= shape.core[cpu]
    rps = dict((q, cpus(text)) for q, text in plan['rps_cpus'].items())
    if plan['layout'] == 'queue_per_core':
        region = [cpu for n in steered_nodes for cpu in shape.cores_of(n)]
        # one queue per core while there are cores: no two IRQ CPUs on one core before every core has one
        if len(per_queue) <= len(region) and len(irq_cpus) != len(per_queue):
            wrong.append('queue per core: %d queues on %d CPUs with %d cores free'
                         % (len(per_queue), len(irq_cpus), len(region)))
        if len(per_queue) <= len(region) and not irq_cpus <= set(region):
            wrong.append('queue per core: IRQ CPUs %s are not one thread of each core' % sorted(irq_cpus - set(region)))
    elif plan['layout'] == 'dedicated':
        if max(load.values() or [0]) > max_queues and len(irq_cpus) < len(
                [c for n in steered_nodes for c in shape.cores_of(n)]) - 1:
            wrong.append('dedicated: an IRQ CPU serves %d queue IRQs (at most %d while cores are free)'
                         % (max(load.values()), max_queues))
        if any(len(shape.core[a] & irq_cpus) > 1 for a in irq_cpus):
            wrong.append('dedicated: two IRQ CPUs share a core')
        for q, got in rps.items():
            if not got:
                continue
            if got & irq_cores:
                wrong.append('%s: RPS on IRQ cores %s' % (q, sorted(got & irq_cores)))
            if not got <= shape.first:
                wrong.append('%s: RPS on second threads %s' % (q, sorted(got - shape.first)))
    if node is not None:
        off = set(cpu for cpu in irq_cpus if shape.node_of(cpu) != node)
        local_cores = len(shape.cores_of(node))
        if off and len(per_queue) <= local_cores:
            wrong.append('IRQ CPUs %s are off the NIC\'s node %d' % (sorted(off), node))
    # RPS node-local when the node has cores to spare: each rx queue's set on its IRQ CPU's node
    for q, got in rps.items():
        index = int(q.split('-')[1])
        if got and index in per_queue and len(per_queue[index]) == 1 and rps_scope == 'node':
            home = shape.node_of(list(per_queue[index])[0])
            if not got <= shape.nodes[home] and set(shape.cores_of(home)) - irq_cores:
                wrong.append('%s: RPS leaves its IRQ CPU\'s node %d while it has free cores' % (q, home))
            if len(set(shape.node_of(cpu) for cpu in got)) == len(shape.nodes) > 2:
                wrong.append('%s: RPS spread over every node' % q)
    # XPS: a partition of the steered nodes' CPUs, each CPU with a queue whose IRQ CPU is on its node
    xps = dict((q, cpus(text)) for q, text in plan['xps_cpus'].items())
    if xps:
        seen = set()
        for q, got in sorted(xps.items()):
            if got & seen:
                wrong.append('%s: CPUs %s are in another tx queue\'s map too' % (q, sorted(got & seen)))
            seen |= got
            index = int(q.split('-')[1])
            irq = per_queue.get(index % max(len(per_queue), 1))
            if got and irq:
                home = shape.node_of(list(irq)[0])
                if not got <= shape.nodes[home]:
                    wrong.append('%s: CPUs %s are off its IRQ CPU\'s node %d' % (q, sorted(got - shape.nodes[home]), home))
        # the node's cores shared as evenly as the queues' own IRQ cores allow: at most one core apart
        by_node = {}
        for q, got in xps.items():
            index = int(q.split('-')[1])
            irq = per_queue.get(index % max(len(per_queue), 1))
            if irq and len(irq) == 1:
                home = shape.node_of(list(irq)[0])
                by_node.setdefault(home, []).append(len(set(min(shape.core[cpu]) for cpu in got)))
        for home, sizes in by_node.items():
            if len(sizes) <= len(shape.cores_of(home)) and max(sizes) - min(sizes) > 1:
                wrong.append('node %d: tx queues hold %s cores, not an even share' % (home, sorted(sizes)))
        served = set(shape.node_of(list(c)[0]) for c in per_queue.values() if len(c) == 1)
        want = set(cpu for n in steered_nodes if n in served for cpu in shape.nodes[n] if cpu in shape.house)
        if seen != want:
            wrong.append('XPS covers %s, the steered CPUs are %s' % (sorted(seen ^ want)[:8], 'different'))
    apps = cpus(plan['app_cpus'])
    if plan['layout'] == 'dedicated' and not apps_with_irq and apps & irq_cores and apps - irq_cores:
        wrong.append('application CPUs %s include IRQ cores' % sorted(apps & irq_cores))
    if not apps <= shape.first:
        wrong.append('application CPUs %s are not one thread per core' % sorted(apps - shape.first))
    entries = plan['rps_sock_flow_entries']
    if entries & (entries - 1):
        wrong.append('rps_sock_flow_entries %d is not a power of two' % entries)
    return wrong
