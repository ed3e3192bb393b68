# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Topology + NIC + policy -> every IRQ/RPS/XPS/RFS number a host needs.

One pure function, ``steering_plan``.  The default policy is the 2016
study's intent corrected by the kernel's guidance (scaling.rst):

* the first CPU of each NUMA node handles NIC IRQs (round-robin);
* each rx queue's RPS CPUs are the physical cores of its IRQ CPU's node
  minus the IRQ CPUs (``rps_scope='all'``: one mask of all such cores for
  every queue, as the study wrote it);
* tx queue i -> every CPU of node (i mod nodes);
* RFS: next power of two >= connections, split evenly over rx queues;
* nginx workers and the load generator on physical cores.

Where this does not fit the host the plan adapts and says why in
``reasons``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lowlat.k8snet.plugins.module_utils.cpuset import (
    CpuSetError, bits_to_list, format_list, format_mask, next_power_of_two, to_bits,
)

RPS_SCOPES = ('node', 'all')
RPS_MODES = ('auto', 'on', 'off')
MAX_SOCK_FLOW_ENTRIES = 1 << 29
TOPOLOGY_KEYS = ('online', 'possible', 'nodes', 'physical')


class PlanError(ValueError):
    """Raised for a topology, NIC or policy value the plan cannot use."""


def _popcount(bits):
    return bin(bits).count('1')


def _bits(value, what):
    try:
        return to_bits(value, what)
    except CpuSetError as exc:
        raise PlanError(str(exc))


def _int(value, what, minimum=0, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool):
        raise PlanError("%s must be an integer, got the boolean %r" % (what, value))
    if isinstance(value, str) and value.strip().lstrip('-').isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or value < minimum:
        raise PlanError("%s must be an integer >= %d, got %r" % (what, minimum, value))
    return value


def _normalise_topology(topology):
    if not isinstance(topology, dict):
        raise PlanError("topology must be the dict returned by lscpu_topology or host_facts, got %s"
                        % type(topology).__name__)
    missing = [key for key in TOPOLOGY_KEYS if key not in topology]
    if missing:
        raise PlanError("topology lacks %s; build it with the lscpu_topology filter or the "
                        "host_facts module" % ', '.join(missing))
    online = _bits(topology['online'], 'topology online')
    if not online:
        raise PlanError("topology has no online CPU")
    possible = _int(topology['possible'], 'topology possible', 1)
    if online >> possible:
        raise PlanError("topology online CPUs %s exceed the possible count %d"
                        % (format_list(online), possible))
    if not isinstance(topology['nodes'], dict) or not topology['nodes']:
        raise PlanError("topology nodes must map NUMA node ids to CPU lists, got %r"
                        % (topology['nodes'],))
    nodes = {}
    for key, cpus in topology['nodes'].items():
        node_bits = _bits(cpus, 'topology node %s' % key) & online
        if node_bits:
            nodes[_int(key, 'NUMA node id')] = node_bits
    offline = 0
    for rec in topology.get('cpus') or []:
        if not rec.get('online', True):
            offline |= 1 << rec['cpu']
    if not topology.get('cpus'):
        # without per-CPU records, every CPU below the width that is not online counts as offline;
        # with them, a hole in the possible CPUs is not an offline CPU
        offline |= ((1 << possible) - 1) & ~online
    return {
        'online': online,
        'possible': possible,
        'isolated': _bits(topology.get('isolated') or '', 'topology isolated') & online,
        'offline': offline,
        'nodes': nodes,
        'physical': _bits(topology['physical'], 'topology physical') & online,
    }


def _normalise_nic(nic):
    if not isinstance(nic, dict):
        raise PlanError("nic must be a dict {name, rx_queues, tx_queues, irqs, numa_node}, got %s"
                        % type(nic).__name__)
    name = nic.get('name')
    if not isinstance(name, str) or not name:
        raise PlanError("nic.name must be the interface name, got %r" % (name,))
    rx = _int(nic.get('rx_queues', 1), 'nic %s rx_queues' % name, 1)
    tx = _int(nic.get('tx_queues', 1), 'nic %s tx_queues' % name, 1)
    irqs = nic.get('irqs') or []
    if not isinstance(irqs, (list, tuple)):
        raise PlanError("nic %s irqs must be a list of IRQ numbers, got %r" % (name, irqs))
    irqs = [_int(irq, 'nic %s IRQ' % name) for irq in irqs]
    queues = nic.get('queues')
    if queues:
        if not isinstance(queues, (list, tuple)):
            raise PlanError("nic %s queues must be a list of IRQ lists (one per queue vector)" % name)
        vectors = []
        for group in queues:
            if not isinstance(group, (list, tuple)):
                group = [group]
            vectors.append([_int(irq, 'nic %s IRQ' % name) for irq in group])
    else:
        vectors = [[irq] for irq in irqs]
    node = nic.get('numa_node')
    node = None if node is None else _int(node, 'nic %s numa_node' % name, -1)
    if node is not None and node < 0:
        node = None
    return {'name': name, 'rx': rx, 'tx': tx, 'vectors': vectors, 'node': node}


class _Formatter(object):
    """format_list / format_mask with a cache: big hosts repeat the same sets across queues."""

    def __init__(self, possible):
        self.possible = possible
        self.lists = {}
        self.masks = {}

    def list(self, bits):
        if bits not in self.lists:
            self.lists[bits] = format_list(bits)
        return self.lists[bits]

    def mask(self, bits):
        if bits not in self.masks:
            self.masks[bits] = format_mask(bits, self.possible)
        return self.masks[bits]


def _node_of(cpu, nodes):
    for node, node_bits in nodes.items():
        if node_bits >> cpu & 1:
            return node
    return None


def _first_cpus(node_bits, physical, count):
    """The first ``count`` CPUs of a node, physical cores first."""
    chosen = bits_to_list(node_bits & physical)[:count]
    if len(chosen) < count:
        chosen += [cpu for cpu in bits_to_list(node_bits) if cpu not in chosen][:count - len(chosen)]
    return chosen


def _cpu_notes(topo, possible):
    """What the plan leaves out before any step: offline and isolated CPUs."""
    reasons = []
    if topo['offline']:
        reasons.append("CPUs %s are offline: they are left out of every set, and masks keep the "
                       "width of the %d possible CPUs." % (format_list(topo['offline']), possible))
    if topo['isolated']:
        reasons.append("CPUs %s are isolated: they get no IRQs, no RPS work and no benchmark "
                       "workers (the kernel drops isolated CPUs from rps_cpus)."
                       % format_list(topo['isolated']))
    return reasons


def _irq_step(host, irq_cpus, irq_cpus_per_node, nic_local):
    """The IRQ CPUs in order, each queue vector's IRQs on one of them, and why."""
    name, card, online, nodes = host['name'], host['card'], host['online'], host['nodes']
    housekeeping, physical, node_ids = host['housekeeping'], host['physical'], host['node_ids']
    reasons = []
    if irq_cpus is not None:
        chosen_bits = _bits(irq_cpus, 'irq_cpus')
        bad = chosen_bits & ~online
        if bad or not chosen_bits:
            raise PlanError("irq_cpus %r: %s; online CPUs are %s" % (
                irq_cpus, 'CPUs %s are not online' % format_list(bad) if bad else 'no CPU given',
                format_list(online)))
        irq_list = bits_to_list(chosen_bits)
        reasons.append("IRQ CPUs set explicitly: %s." % format_list(chosen_bits))
    elif host['queue_per_cpu']:
        irq_list = bits_to_list(housekeeping)
        reasons.append("%s has %d rx queues for %d CPUs: a queue per CPU already, so queue "
                       "vector i goes to CPU i and RSS does the spreading."
                       % (name, card['rx'], _popcount(housekeeping)))
    elif card['node'] is not None and nic_local and card['node'] in nodes and len(node_ids) > 1:
        local = nodes[card['node']] & housekeeping
        irq_list = _first_cpus(local, physical, irq_cpus_per_node * len(node_ids))
        reasons.append("%s is attached to NUMA node %d: its IRQs go to that node's first CPUs %s, "
                       "since remote IRQ handling crosses the interconnect for every packet."
                       % (name, card['node'], format_list(irq_list)))
    else:
        per_node = [_first_cpus(nodes[node] & housekeeping, physical, irq_cpus_per_node)
                    for node in node_ids]
        irq_list = []
        for rank in range(irq_cpus_per_node):
            irq_list += [cpus[rank] for cpus in per_node if len(cpus) > rank]
        if card['node'] is not None and card['node'] not in nodes:
            reasons.append("%s reports NUMA node %d, which has no online CPU: IRQs spread over all "
                           "nodes." % (name, card['node']))
        reasons.append("IRQs of %s go round-robin to the first CPU of each NUMA node: %s."
                       % (name, ', '.join(str(cpu) for cpu in irq_list)))
    irq_affinity = {}
    for index, vector in enumerate(card['vectors']):
        cpu = irq_list[index % len(irq_list)]
        for irq in vector:
            irq_affinity[str(irq)] = str(cpu)
    if not card['vectors']:
        reasons.append("%s has no IRQs of its own (a virtual device such as veth): nothing to pin."
                       % name)
    return irq_list, irq_affinity, reasons


def _rps_step(host, irq_list, rps, rps_scope, rps_min_cpus):
    """Each rx queue's RPS CPUs ({rx-i: bits}, 0 when off), whether RPS is on, and why."""
    card, nodes = host['card'], host['nodes']
    queue_cpu = [irq_list[q % len(irq_list)] for q in range(card['rx'])]
    available = host['physical'] & host['housekeeping'] & ~_bits(irq_list, 'irq_cpus')
    reasons, rps_sets = [], []
    rps_on = rps != 'off'
    if rps == 'off':
        reasons.append("RPS is turned off by policy.")
    elif host['queue_per_cpu'] and rps == 'auto':
        rps_on = False
        reasons.append("RPS is off: with a hardware queue per CPU it would only add an "
                       "inter-processor interrupt per packet batch.")
    if rps_on:
        for q in range(card['rx']):
            if rps_scope == 'all':
                cpus = available
            else:
                cpus = available & nodes.get(_node_of(queue_cpu[q], nodes), 0)
                if not cpus:
                    cpus = available
            rps_sets.append(cpus)
        smallest = min(_popcount(cpus) for cpus in rps_sets)
        if rps == 'auto' and smallest < rps_min_cpus:
            rps_on = False
            reasons.append("RPS is off: only %d CPU(s) would share a queue's packets (rps_min_cpus "
                           "is %d); on a 2-vCPU VM, RPS onto the only other CPU cut throughput "
                           "by a third." % (smallest, rps_min_cpus))
        elif rps_scope == 'all':
            reasons.append("RPS (scope all, as the study wrote it): every rx queue -> physical "
                           "cores %s, all nodes, minus the IRQ CPUs." % format_list(available))
        else:
            reasons.append("RPS (scope node, as scaling.rst advises): each rx queue -> the physical "
                           "cores of its IRQ CPU's node minus the IRQ CPUs, no hyperthread "
                           "siblings.")
    return dict(('rx-%d' % q, rps_sets[q] if rps_on else 0) for q in range(card['rx'])), rps_on, reasons


def _rfs_step(card, rps_on, connections):
    """rps_sock_flow_entries, each rx queue's rps_flow_cnt, and why."""
    reasons = []
    if rps_on and connections > 0:
        entries = next_power_of_two(connections)
        if entries > MAX_SOCK_FLOW_ENTRIES:
            entries = MAX_SOCK_FLOW_ENTRIES
            reasons.append("RFS table capped at 2^29 entries, the kernel's maximum.")
        per_queue = next_power_of_two(max(1, entries // card['rx']))
        reasons.append("RFS: %d connections -> rps_sock_flow_entries %d (next power of two), "
                       "rps_flow_cnt %d per rx queue (entries / %d queues)."
                       % (connections, entries, per_queue, card['rx']))
    else:
        entries = per_queue = 0
        if rps_on:
            reasons.append("RFS is off: no connections planned.")
        else:
            reasons.append("RFS is off: it steers through the RPS path, so it follows RPS.")
    return entries, dict(('rx-%d' % q, per_queue) for q in range(card['rx'])), reasons


def _xps_step(host, irq_list):
    """Each tx queue's XPS CPUs ({tx-i: bits}; empty with one tx queue), and why."""
    card, nodes, node_ids = host['card'], host['nodes'], host['node_ids']
    xps_bits = {}
    if card['tx'] == 1:
        return xps_bits, ["%s has a single tx queue: XPS has nothing to choose, so it is not set." % host['name']]
    if host['queue_per_cpu']:
        for q in range(card['tx']):
            xps_bits['tx-%d' % q] = 1 << irq_list[q] if q < len(irq_list) else 0
        return xps_bits, ["XPS: tx queue i <- CPU i, matching the queue-per-CPU IRQ layout."]
    for q in range(card['tx']):
        xps_bits['tx-%d' % q] = nodes[node_ids[q % len(node_ids)]]
    return xps_bits, ["XPS: tx queue i <- every CPU (hyperthreads included) of NUMA node i mod %d."
                      % len(node_ids)]


def _worker_step(host):
    """The CPUs of the benchmark's workers (one per physical core), and why."""
    workers = host['physical'] & host['housekeeping']
    return workers, ["nginx workers and the load generator run on the physical cores %s, one "
                     "worker per core." % format_list(workers)]


def steering_plan(topology, nic, connections=60000, rps_scope='node', rps='auto',
                  irq_cpus=None, irq_cpus_per_node=1, rps_min_cpus=2, nic_local=True,
                  possible_cpus=None):
    """Compute the steering plan for one NIC on one host. See the module docstring."""
    topo = _normalise_topology(topology)
    card = _normalise_nic(nic)
    connections = _int(connections, 'connections')
    irq_cpus_per_node = _int(irq_cpus_per_node, 'irq_cpus_per_node', 1)
    rps_min_cpus = _int(rps_min_cpus, 'rps_min_cpus', 1)
    if rps_scope not in RPS_SCOPES:
        raise PlanError("rps_scope %r is not valid; use one of: %s" % (rps_scope, ', '.join(RPS_SCOPES)))
    if isinstance(rps, bool):
        rps = 'on' if rps else 'off'
    if rps not in RPS_MODES:
        raise PlanError("rps %r is not valid; use one of: %s" % (rps, ', '.join(RPS_MODES)))
    if not isinstance(nic_local, bool):
        raise PlanError("nic_local must be true or false, got %r" % (nic_local,))
    possible = topo['possible']
    if possible_cpus is not None:
        possible = _int(possible_cpus, 'possible_cpus', 1)
        if topo['online'] >> possible:
            raise PlanError("possible_cpus %d is smaller than the online CPUs %s need"
                            % (possible, format_list(topo['online'])))

    host = {'name': card['name'], 'card': card, 'online': topo['online'], 'nodes': topo['nodes'],
            'physical': topo['physical'], 'housekeeping': topo['online'] & ~topo['isolated'],
            'node_ids': sorted(topo['nodes'])}
    if not host['housekeeping']:
        raise PlanError("every online CPU (%s) is isolated: no CPU is left for IRQs and RPS"
                        % format_list(host['online']))
    n_house = _popcount(host['housekeeping'])
    host['queue_per_cpu'] = card['rx'] >= n_house and n_house > 1 and irq_cpus is None

    reasons = _cpu_notes(topo, possible)
    irq_list, irq_affinity, why = _irq_step(host, irq_cpus, irq_cpus_per_node, nic_local)
    reasons += why
    rps_bits, rps_on, why = _rps_step(host, irq_list, rps, rps_scope, rps_min_cpus)
    reasons += why
    entries, rps_flow_cnt, why = _rfs_step(card, rps_on, connections)
    reasons += why
    xps_bits, why = _xps_step(host, irq_list)
    reasons += why
    workers, why = _worker_step(host)
    reasons += why

    name, irq_bits, fmt = card['name'], _bits(irq_list, 'irq_cpus'), _Formatter(possible)
    return {
        'interface': name,
        'possible_cpus': possible,
        'irq_cpus': format_list(irq_bits),
        'irq_affinity': irq_affinity,
        'rps_cpus': dict((q, fmt.list(bits)) for q, bits in rps_bits.items()),
        'rps_masks': dict((q, fmt.mask(bits)) for q, bits in rps_bits.items()),
        'xps_cpus': dict((q, fmt.list(bits)) for q, bits in xps_bits.items()),
        'xps_masks': dict((q, fmt.mask(bits)) for q, bits in xps_bits.items()),
        'rps_flow_cnt': rps_flow_cnt,
        'rps_sock_flow_entries': entries,
        'nginx_worker_cpus': format_list(workers),
        'loadgen_cpus': format_list(workers),
        'reasons': reasons,
    }
