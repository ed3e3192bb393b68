# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Topology + NIC + policy -> every IRQ/RPS/XPS/RFS number a host needs.

One pure function, ``steering_plan``.  It places a NIC's queue IRQs in one of two layouts:

* **queue per core** (the kernel's advice in scaling.rst when there are enough queues): queue i's
  IRQ on core i of the NIC's node, one queue per core, RPS off (hardware RSS spreads the flows);
* **dedicated IRQ CPUs** (the 2016 study's and perftune.py's shape): a few cores take every queue
  IRQ (one per ``cores_per_irq_cpu`` cores, and no IRQ CPU with more than ``irq_cpu_max_queues``
  queue IRQs), and RPS hands each rx queue's packets to the other physical cores of its IRQ
  CPU's node.

``layout='auto'`` takes queue per core when the NIC has at least as many queues as the cores it is
planned on, or when setting cores aside would leave RPS too few CPUs; else dedicated IRQ CPUs.

The cores a NIC is planned on are its own NUMA node's when the kernel knows the node, else every
node (round-robin, as the study did).  When that node lacks cores for what the plan needs, the
nearest nodes by ``distance`` are taken, never all of them.  XPS partitions the steered CPUs: each
is in exactly one tx queue's map, that of a queue whose IRQ CPU is on its node.  RFS: the next
power of two >= connections, split evenly over the rx queues.  Application CPUs (nginx, the load
generator) leave the dedicated IRQ cores and their siblings out.  ``pod_rps_cpus`` (and its mask
``pod_rps_mask``) are the housekeeping CPUs (online, not isolated, within ``reserved_cpus``): where
the host side of pod veths may steer pods' packets (``net.core.rps_default_mask``, opt-in).  Every
decision is explained in ``reasons``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.lowlat.k8snet.plugins.module_utils.cpuset import (
    CpuSetError, bits_to_list, format_list, format_mask, next_power_of_two, to_bits,
)

RPS_SCOPES = ('node', 'all')
RPS_MODES = ('auto', 'on', 'off')
LAYOUTS = ('auto', 'queue_per_core', 'dedicated')
MAX_SOCK_FLOW_ENTRIES = 1 << 29
TOPOLOGY_KEYS = ('online', 'possible', 'nodes', 'physical')


class PlanError(ValueError):
    """Raised for a topology, NIC or policy value the plan cannot use."""


def _popcount(bits):
    return bin(bits).count('1')


def _ceil_div(numerator, denominator):
    return -(-numerator // denominator)


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


def _distances(raw, node_ids):
    """topology distances ({node: {node: d}} or {node: [d, ...]} in node id order) -> {(a, b): d}."""
    if not raw:
        return {}
    if not isinstance(raw, dict):
        raise PlanError("topology distances must map a node id to its distances, got %r" % (raw,))
    table = {}
    for key, row in raw.items():
        node = _int(key, 'topology distances node id')
        if isinstance(row, dict):
            pairs = [(_int(other, 'topology distances node id'), value) for other, value in row.items()]
        elif isinstance(row, (list, tuple)) and len(row) == len(node_ids):
            pairs = list(zip(node_ids, row))
        else:
            raise PlanError("topology distances of node %s: %r is neither a dict nor one distance per "
                            "node (%d)" % (key, row, len(node_ids)))
        for other, value in pairs:
            table[(node, other)] = _int(value, 'distance from node %s to node %s' % (node, other), 1)
    return table


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
    # each CPU's core (its hyperthread siblings, itself included); a CPU with none is its own core.
    # From the per-CPU records where there are (cheaper than parsing a list per CPU), else siblings.
    core_of = {}
    records = [rec for rec in topology.get('cpus') or [] if rec.get('online', True) and rec.get('core') is not None]
    if records:
        groups = {}
        for rec in records:
            groups.setdefault((rec.get('socket'), rec['core']), []).append(rec['cpu'])
        for members in groups.values():
            members = tuple(sorted(members))
            for cpu in members:
                core_of[cpu] = members
    else:
        parsed = {}
        for cpu, text in (topology.get('siblings') or {}).items():
            if text not in parsed:
                parsed[text] = tuple(bits_to_list(_bits(text, 'topology siblings of CPU %s' % cpu) & online))
            core_of[_int(cpu, 'topology siblings CPU')] = parsed[text]
    sockets = {}
    isolation = topology.get('isolation') or {}
    if not isinstance(isolation, dict):
        raise PlanError("topology isolation must map a source to a CPU list, got %r" % (isolation,))
    isolated = _bits(topology.get('isolated') or '', 'topology isolated')
    for key, cpus in isolation.items():
        if key != 'isolcpus_flags':
            isolated |= _bits(cpus, 'topology isolation %s' % key)
    for key, cpus in (topology.get('sockets') or {}).items():
        sockets[_int(key, 'socket id')] = _bits(cpus, 'topology socket %s' % key)
    node_ids = sorted(nodes)
    return {
        'online': online,
        'possible': possible,
        'isolated': isolated & online,
        'isolation': isolation,
        'offline': offline,
        'nodes': nodes,
        'physical': _bits(topology['physical'], 'topology physical') & online,
        'core_of': core_of,
        'sockets': sockets,
        'distances': _distances(topology.get('distances'), node_ids),
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


class _Host(object):
    """The host as the plan sees it: housekeeping CPUs, their cores per node, node distances."""

    def __init__(self, topo, card):
        self.card = card
        self.name = card['name']
        self.online = topo['online']
        self.nodes = topo['nodes']
        self.node_ids = sorted(topo['nodes'])
        self.housekeeping = topo['online'] & ~topo['isolated'] & topo.get('reserved', topo['online'])
        self.distances = topo['distances']
        self.sockets = topo['sockets']
        core_of = topo['core_of']
        # cores: (first housekeeping thread, every housekeeping thread as a mask) per node, CPU order
        node_of_cpu = {}
        for node in self.node_ids:
            for cpu in bits_to_list(self.nodes[node] & self.housekeeping):
                node_of_cpu[cpu] = node
        self.cores = dict((node, []) for node in self.node_ids)
        self.core_bits = {}
        firsts = []
        for cpu in sorted(node_of_cpu):
            if cpu in self.core_bits:
                continue
            threads = [thread for thread in core_of.get(cpu, (cpu,)) if thread in node_of_cpu] or [cpu]
            core = 0
            for thread in threads:
                core |= 1 << thread
            self.cores[node_of_cpu[cpu]].append((cpu, core))
            firsts.append(cpu)
            for thread in threads:
                self.core_bits[thread] = core
        self.first_threads = _bits(firsts, 'first threads')
        self._node_of = node_of_cpu

    def node_of(self, cpu):
        if cpu in self._node_of:
            return self._node_of[cpu]
        for node, node_bits in self.nodes.items():
            if node_bits >> cpu & 1:
                return node
        return None

    def socket_of(self, node):
        first = self.nodes[node] & -self.nodes[node]
        for socket, bits in self.sockets.items():
            if bits & first:
                return socket
        return None

    def distance(self, node, other):
        if (node, other) in self.distances:
            return self.distances[(node, other)]
        # without a distance table: the same node, then the same socket, then the rest (ACPI's SLIT
        # gives 10 for local and 20 for the default remote distance)
        if node == other:
            return 10
        socket = self.socket_of(node)
        return 11 if socket is not None and socket == self.socket_of(other) else 20

    def near(self, node, other):
        """other is in node's package: the same socket where the topology says, else closer than 20."""
        socket, theirs = self.socket_of(node), self.socket_of(other)
        if socket is not None and theirs is not None:
            return socket == theirs
        return self.distance(node, other) < 20

    def nearest(self, node, candidates):
        """candidates (node ids other than node) grouped by distance from node, nearest first."""
        tiers = {}
        for other in candidates:
            if other != node:
                tiers.setdefault(self.distance(node, other), []).append(other)
        return [(dist, sorted(tiers[dist])) for dist in sorted(tiers)]

    def cores_in(self, node_list):
        return [core for node in node_list for core in self.cores.get(node, [])]


def _cpu_notes(topo, possible):
    """What the plan leaves out before any step: offline and isolated CPUs."""
    reasons = []
    if topo['offline']:
        reasons.append("CPUs %s are offline: they are left out of every set, and masks keep the "
                       "width of the %d possible CPUs." % (format_list(topo['offline']), possible))
    if topo['isolated']:
        sources = topo.get('isolation') or {}
        flags = ' (%s)' % sources['isolcpus_flags'] if sources.get('isolcpus_flags') else ''
        named = '; '.join('%s%s %s' % (key, flags if key == 'isolcpus' else '', sources[key])
                          for key in sorted(sources) if key != 'isolcpus_flags')
        reasons.append("CPUs %s are isolated%s: they get no IRQs, no RPS work and no benchmark "
                       "workers (the kernel drops isolcpus domain and nohz_full CPUs from rps_cpus)."
                       % (format_list(topo['isolated']), ' (%s)' % named if named else ''))
    if topo.get('reserved') is not None:
        reasons.append("CPUs %s are reserved for the system (reserved_cpus, as kubelet's reservedSystemCPUs): "
                       "IRQs, RPS and the benchmark's workers go only there; CPUs %s are left to pods."
                       % (format_list(topo['reserved']), format_list(topo['online'] & ~topo['reserved']) or 'none'))
    return reasons


def _region(host, nic_local):
    """The NIC's own node when the plan keeps to it (None: every node), and why."""
    card = host.card
    if card['node'] is not None and nic_local and card['node'] in host.nodes and host.cores[card['node']]:
        return card['node'], ["%s is attached to NUMA node %d: its IRQs and XPS stay on that node, since "
                              "remote IRQ handling crosses the interconnect for every packet."
                              % (host.name, card['node'])]
    if card['node'] is not None and card['node'] not in host.nodes:
        why = "%s reports NUMA node %d, which has no online CPU" % (host.name, card['node'])
    elif card['node'] is not None and nic_local:
        why = "every CPU of %s's NUMA node %d is isolated" % (host.name, card['node'])
    elif card['node'] is not None:
        why = "nic_local is false"
    else:
        why = "%s does not report a NUMA node (numa_node -1)" % host.name
    return None, ["%s: the plan spreads %s over every NUMA node, round-robin." % (why, host.name)]


def _interleave(per_node):
    """Lists per node -> one list taking each node's first, then each node's second, and so on."""
    merged = []
    for rank in range(max([len(items) for items in per_node] or [0])):
        merged += [items[rank] for items in per_node if len(items) > rank]
    return merged


def _per_core_cpus(host, local, count):
    """IRQ CPUs of the queue-per-core layout: one per core of the NIC's node (then the nearer nodes
    of its socket when it has too few), then the cores' other threads; and why."""
    reasons = []
    if local is None:
        nodes = host.node_ids
        firsts = _interleave([[cpu for cpu, _core in host.cores[node]] for node in nodes])
    else:
        nodes = [local]
        firsts = [cpu for cpu, _core in host.cores[local]]
        if count > len(firsts):
            same = [node for node in host.node_ids if node != local and host.near(local, node)]
            for dist, tier in host.nearest(local, same):
                if count <= len(firsts):
                    break
                nodes += tier
                firsts += [cpu for cpu, _core in host.cores_in(tier)]
                reasons.append("Node %d has fewer cores than %s's %d queues: node(s) %s of the same "
                               "package (distance %d) take queues too."
                               % (local, host.name, count, ', '.join(map(str, tier)), dist))
    others = []
    if count > len(firsts):
        for cpu, core in host.cores_in(nodes):
            others += [thread for thread in bits_to_list(core) if thread != cpu]
        if others:
            reasons.append("%s has more queues than cores on its node(s): the cores' other threads "
                           "take the rest, then queues share CPUs." % host.name)
    return (firsts + others)[:max(count, 1)], reasons


def _dedicated_cpus(host, local, vectors, irq_cpus_per_node, cores_per_irq_cpu, max_queues):
    """IRQ CPUs of the dedicated layout (one thread per core, first cores of each node), and why."""
    reasons = []
    if local is not None:
        cores = host.cores[local]
        if irq_cpus_per_node is not None:
            count, rule = irq_cpus_per_node, 'irq_cpus_per_node'
        else:
            count = max(_ceil_div(len(cores), cores_per_irq_cpu), _ceil_div(vectors, max_queues))
            rule = 'one per %d cores, at most %d queue IRQs each' % (cores_per_irq_cpu, max_queues)
        count = max(1, min(count, vectors, len(cores) - 1))
        chosen = [cpu for cpu, _core in cores[:count]]
        where = "node %d's first cores" % local
    else:
        total = len(host.cores_in(host.node_ids))
        if irq_cpus_per_node is not None:
            per_node = [irq_cpus_per_node] * len(host.node_ids)
            rule = 'irq_cpus_per_node'
        else:
            count = max(_ceil_div(total, cores_per_irq_cpu), _ceil_div(vectors, max_queues), len(host.node_ids))
            count = min(count, vectors)
            per_node = [count // len(host.node_ids) + (1 if i < count % len(host.node_ids) else 0)
                        for i in range(len(host.node_ids))]
            rule = 'one per %d cores and at least one per node, at most %d queue IRQs each' % (
                cores_per_irq_cpu, max_queues)
        picks = []
        for node, want in zip(host.node_ids, per_node):
            cores = host.cores[node]
            # leave RPS a core on the node where there is more than one
            take = min(want, len(cores) - 1) if len(cores) > 1 else min(want, len(cores))
            picks.append([cpu for cpu, _core in cores[:take]])
        chosen = _interleave(picks)
        where = "the first cores of each node, round-robin"
    busiest = _ceil_div(vectors, len(chosen))
    reasons.append("Dedicated IRQ CPUs (%s): %s, %s; at most %d queue IRQ(s) each."
                   % (rule, ', '.join(map(str, chosen)), where, busiest))
    if busiest > max_queues and irq_cpus_per_node is None:
        reasons.append("%s's %d queues exceed %d per IRQ CPU on the cores there are: channels sized "
                       "to the layout (steering_plan_channels) would fix it." % (host.name, vectors, max_queues))
    return chosen, reasons


def _layout_step(host, local, layout, irq_cpus, policy):
    """(layout, IRQ CPUs in queue order, reasons)."""
    vectors = policy.get('queues_shared') or len(host.card['vectors'])
    if not host.card['vectors']:
        return 'none', [], ["%s has no IRQs of its own (a virtual device such as veth or a bond): "
                            "nothing to pin." % host.name]
    if irq_cpus is not None:
        chosen_bits = _bits(irq_cpus, 'irq_cpus')
        bad = chosen_bits & ~host.online
        if bad or not chosen_bits:
            raise PlanError("irq_cpus %r: %s; online CPUs are %s" % (
                irq_cpus, 'CPUs %s are not online' % format_list(bad) if bad else 'no CPU given',
                format_list(host.online)))
        return 'dedicated', bits_to_list(chosen_bits), ["IRQ CPUs set explicitly: %s." % format_list(chosen_bits)]
    region_cores = len(host.cores[local]) if local is not None else len(host.cores_in(host.node_ids))
    if layout == 'auto':
        # with channels sized by the plan, the layout follows what the NIC can have, not what it has
        if policy.get('queues_possible'):
            vectors = policy['queues_possible']
        if vectors >= region_cores:
            layout = 'queue_per_core'
            why = ("%s has %d queues for %d cores: a queue per core, so RSS does the spreading and "
                   "RPS stays off (scaling.rst)." % (host.name, vectors, region_cores))
        elif policy['rps'] == 'off':
            layout = 'queue_per_core'
            why = ("RPS is off by policy, so CPUs set aside for IRQs would only take IRQs: each of "
                   "%s's %d queues gets a core of its own." % (host.name, vectors))
        else:
            chosen = _dedicated_cpus(host, local, vectors, policy['irq_cpus_per_node'],
                                     policy['cores_per_irq_cpu'], policy['irq_cpu_max_queues'])[0]
            spare = _rps_pool(host, chosen)
            smallest = min(_popcount(spare & host.nodes[host.node_of(cpu)]) for cpu in chosen)
            if policy['rps'] == 'auto' and smallest < policy['rps_min_cpus']:
                layout = 'queue_per_core'
                why = ("%s has %d queues for %d cores, but setting cores aside for IRQs would leave RPS "
                       "only %d CPU(s) (rps_min_cpus %d): each queue gets a core of its own and RPS "
                       "stays off." % (host.name, vectors, region_cores, smallest, policy['rps_min_cpus']))
            else:
                layout = 'dedicated'
                why = ("%s has %d queues for %d cores: dedicated IRQ CPUs, and RPS hands the packets "
                       "to the other cores of their node." % (host.name, vectors, region_cores))
        reasons = ["Layout auto: " + why[0].lower() + why[1:]]
    else:
        reasons = ["Layout %s, set by policy." % layout]
    if layout == 'queue_per_core':
        chosen, why = _per_core_cpus(host, local, vectors)
    else:
        chosen, why = _dedicated_cpus(host, local, vectors, policy['irq_cpus_per_node'],
                                      policy['cores_per_irq_cpu'], policy['irq_cpu_max_queues'])
    return layout, chosen, reasons + why


def _irq_cores(host, irq_list):
    bits = 0
    for cpu in irq_list:
        bits |= host.core_bits.get(cpu, 1 << cpu)
    return bits


def _rps_pool(host, irq_list):
    """The CPUs RPS may use: one thread per core, housekeeping, not an IRQ CPU's core."""
    return host.first_threads & ~_irq_cores(host, irq_list)


def _rps_step(host, local, layout, irq_list, rps, rps_scope, rps_min_cpus):
    """Each rx queue's RPS CPUs ({rx-i: bits}, 0 when off), whether RPS is on, and why."""
    card = host.card
    rx = card['rx']
    reasons, rps_sets = [], []
    if rps == 'off':
        return dict(('rx-%d' % q, 0) for q in range(rx)), False, ["RPS is turned off by policy."]
    if rps == 'auto' and layout == 'queue_per_core':
        return dict(('rx-%d' % q, 0) for q in range(rx)), False, [
            "RPS is off: each queue's IRQ has a core of its own, and RPS would only add an "
            "inter-processor interrupt per packet batch."]
    if rps == 'auto' and layout == 'none':
        return dict(('rx-%d' % q, 0) for q in range(rx)), False, [
            "RPS is off: a virtual device's packets are processed on the CPU that sent them, and RPS "
            "would only add a hop (turn it on to spread them)."]
    pool = _rps_pool(host, irq_list)
    region = host.nodes[local] if local is not None else host.online
    far = {}
    for q in range(rx):
        if layout == 'none':
            cpus = pool & region
        elif rps_scope == 'all':
            cpus = pool
        else:
            node = host.node_of(irq_list[q % len(irq_list)])
            cpus = pool & host.nodes[node]
            if not cpus:
                for dist, tier in host.nearest(node, [n for n in host.node_ids if pool & host.nodes[n]]):
                    for other in tier:
                        cpus |= pool & host.nodes[other]
                    far.setdefault((node, dist, tuple(tier)), []).append(q)
                    break
        rps_sets.append(cpus)
    smallest = min(_popcount(cpus) for cpus in rps_sets)
    if rps == 'auto' and smallest < rps_min_cpus:
        reasons.append("RPS is off: only %d CPU(s) would share a queue's packets (rps_min_cpus "
                       "is %d); on a 2-vCPU VM, RPS onto the only other CPU cut throughput "
                       "by a third." % (smallest, rps_min_cpus))
        return dict(('rx-%d' % q, 0) for q in range(rx)), False, reasons
    if layout == 'none':
        reasons.append("RPS: every rx queue -> the physical cores %s (no IRQ CPU to leave out)."
                       % format_list(rps_sets[0]))
    elif rps_scope == 'all':
        reasons.append("RPS (scope all, as the study wrote it): every rx queue -> physical "
                       "cores %s, all nodes, minus the IRQ CPUs." % format_list(pool))
    else:
        reasons.append("RPS (scope node, as scaling.rst advises): each rx queue -> the physical "
                       "cores of its IRQ CPU's node minus the IRQ CPUs' cores, no hyperthread "
                       "siblings.")
    for (node, dist, tier), queues in sorted(far.items()):
        reasons.append("Node %d has no core left for RPS: rx queue(s) %s go to node(s) %s, the nearest "
                       "with free cores (distance %d), not node-local." % (
                           node, ', '.join(map(str, queues)), ', '.join(map(str, tier)), dist))
    return dict(('rx-%d' % q, rps_sets[q]) for q in range(rx)), True, reasons


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


def _xps_step(host, local, irq_list):
    """Each tx queue's XPS CPUs ({tx-i: bits}), and why.

    A partition: every CPU of the steered nodes is in exactly one map. Each tx queue first takes its
    IRQ CPU's core (the first queue on that CPU does); the node's other cores are then dealt out in
    order so that the node's queues get as even a share as the cores allow."""
    card = host.card
    if card['tx'] == 1:
        return {}, ["%s has a single tx queue: XPS has nothing to choose, so it is not set." % host.name]
    if not irq_list:
        return {}, ["%s has no IRQs: XPS has no completion CPU to follow, so the kernel's hash "
                    "picks the tx queue." % host.name]
    steered = [local] if local is not None else host.node_ids
    xps = dict(('tx-%d' % q, 0) for q in range(card['tx']))
    unsteered = []
    for node in steered:
        queues = [q for q in range(card['tx']) if host.nodes[node] >> irq_list[q % len(irq_list)] & 1]
        cores = host.cores[node]
        if not queues:
            unsteered.append(node)
            continue
        # each queue takes its IRQ CPU (the first queue on a CPU does), then the free threads of
        # that CPU's core; the node's untouched cores are dealt out after
        owner = {}
        for q in queues:
            owner.setdefault(irq_list[q % len(irq_list)], q)
        for cpu, q in list(owner.items()):
            for thread in bits_to_list(host.core_bits.get(cpu, 1 << cpu)):
                owner.setdefault(thread, q)
        bits = dict((q, 0) for q in queues)
        for cpu, q in owner.items():
            bits[q] |= 1 << cpu
        taken = 0
        for mask in bits.values():
            taken |= mask
        free = [core for _cpu, core in cores if not core & taken]
        share = [len(cores) // len(queues) + (1 if i < len(cores) % len(queues) else 0)
                 for i in range(len(queues))]
        for i, q in enumerate(queues):
            have = 1 if bits[q] else 0
            while have < share[i] and free:
                bits[q] |= free.pop(0)
                have += 1
        for core in free:   # only when queues' own cores outnumbered their shares
            bits[queues[-1]] |= core
        for q in queues:
            xps['tx-%d' % q] = bits[q]
    reasons = ["XPS partitions the CPUs of %s: each CPU is in exactly one tx queue's map, a queue "
               "whose IRQ CPU is on its node, starting with the IRQ CPU's own core (scaling.rst)."
               % ('node %d' % local if local is not None else 'every node')]
    if unsteered:
        reasons.append("Node(s) %s serve no tx queue's IRQ: their CPUs are left to the kernel's hash."
                       % ', '.join(map(str, unsteered)))
    return xps, reasons


def _app_step(host, layout, irq_list, include_irq_cpus):
    """The CPUs left for applications (nginx workers, the load generator): one thread per core."""
    cores = host.first_threads
    if layout != 'dedicated':
        return cores, ["Applications (nginx workers, the load generator) run on the physical cores %s, "
                       "one per core%s." % (format_list(cores), ', the queues\' IRQ CPUs included: every '
                                            'core serves a queue' if layout == 'queue_per_core' else '')]
    if include_irq_cpus:
        return cores, ["Applications run on the physical cores %s, the IRQ CPUs included, as the "
                       "study ran them (app_cpus_with_irq)." % format_list(cores)]
    left = cores & ~_irq_cores(host, irq_list)
    if not left:
        return cores, ["Every core handles IRQs: applications share them (%s)." % format_list(cores)]
    return left, ["Applications (nginx workers, the load generator) run on the physical cores %s: the "
                  "dedicated IRQ CPUs and their siblings are left to the NIC." % format_list(left)]


def _name_order(name):
    """Sort key for interface names: their runs of digits compared as numbers (eth2 < eth10)."""
    return [(0, int(part), '') if part.isdigit() else (1, 0, part) for part in re.split(r'(\d+)', name) if part]


def steering_targets(nics, interfaces):
    """The physical NICs to plan for the interfaces asked (host_facts' nics): a bond, a VLAN or a
    macvlan stands for the physical devices under it, which share one layout of IRQ CPUs.

    Returns [{name, group, chain, offset, total}]: ``offset`` is where this device's queue vectors start
    among the ``total`` of its group (None for a device planned alone), so that the IRQs of two slaves
    spread over the IRQ CPUs together rather than both starting on the first. The devices of a group
    take their places in name order (eth2 before eth10), not in the bond's slave order, which is the
    order they were enslaved in: it changes across reboots and when a slave is removed and added
    again, and the plan must not change with it."""
    if not isinstance(nics, dict):
        raise PlanError("nics must be host_facts' dict of interfaces, got %s" % type(nics).__name__)
    targets, seen = [], set()
    for want in interfaces or []:
        if want not in nics:
            raise PlanError("interface %s does not exist; interfaces here: %s" % (want, ', '.join(sorted(nics))))
        nic = nics[want]
        leaves = sorted(nic.get('physical_lower') or [], key=_name_order)
        missing = [leaf for leaf in leaves if leaf not in nics]
        if missing:
            raise PlanError("%s lies on %s, which host_facts did not read" % (want, ', '.join(missing)))
        if not leaves:
            if want not in seen:
                seen.add(want)
                targets.append({'name': want, 'group': want, 'chain': None, 'offset': 0, 'total': None})
            continue
        count = dict((leaf, len(nics[leaf].get('queues') or nics[leaf].get('irqs') or [])) for leaf in leaves)
        offset = 0
        for leaf in leaves:
            if leaf not in seen:
                seen.add(leaf)
                targets.append({'name': leaf, 'group': want, 'chain': nic.get('chain') or '%s -> %s' % (
                    want, ', '.join(leaves)), 'offset': offset, 'total': sum(count.values())})
            offset += count[leaf]
    return targets


def _channel_counts(card, nic):
    """The NIC's channel counts from host_facts ({'max': {...}, 'current': {...}}), as (kind, current,
    maximum): kind 'combined' or 'rx' (separate rx/tx channels); None when it reports none."""
    channels = nic.get('channels')
    if not isinstance(channels, dict) or not channels.get('max') or not channels.get('current'):
        return None
    for kind in ('combined', 'rx'):
        maximum = channels['max'].get(kind)
        if isinstance(maximum, int) and maximum > 0:
            current = channels['current'].get(kind)
            return kind, current if isinstance(current, int) else 0, maximum
    return None


def _channels_step(host, local, layout, irq_list, channels, counts, policy):
    """The channel count to set ({kind: N}, empty to keep them), and why."""
    name = host.name
    if channels == 'keep':
        return {}, []
    if counts is None:
        return {}, ["%s reports no channel counts it can change (ethtool -l; a single-queue virtio NIC, a "
                    "fixed-queue VF, or no ethtool): the plan is for the %d queue(s) it has."
                    % (name, len(host.card['vectors']) or host.card['rx'])]
    kind, current, maximum = counts
    if channels == 'auto':
        if layout == 'queue_per_core':
            region = len(host.cores[local]) if local is not None else len(host.cores_in(host.node_ids))
            want, why = min(region, maximum), 'one queue per core of the node'
        elif layout == 'dedicated':
            # as many IRQ CPUs as the cores call for (not the queues, which are what is being sized)
            if local is not None:
                cores = len(host.cores[local])
                want = policy['irq_cpus_per_node'] or max(1, min(_ceil_div(cores, policy['cores_per_irq_cpu']),
                                                                 cores - 1))
            else:
                nodes = len(host.node_ids)
                want = (policy['irq_cpus_per_node'] or 0) * nodes or max(
                    _ceil_div(len(host.cores_in(host.node_ids)), policy['cores_per_irq_cpu']), nodes)
            want, why = min(want, maximum), 'one queue per dedicated IRQ CPU, as perftune.py sizes them'
        else:
            return {}, []
    else:
        want, why = channels, 'set by policy'
        if want > maximum:
            raise PlanError("channels %d: %s supports at most %d %s channels" % (want, name, maximum, kind))
    if want == current:
        return {}, ["%s keeps its %d %s channels (%s)." % (name, current, kind, why)]
    target = {kind: want} if kind == 'combined' else {'rx': want, 'tx': want}
    return target, ["%s: %d %s channels instead of %d (%s); IRQs and queues are read again after the "
                    "change." % (name, want, kind, current, why)]


def steering_plan(topology, nic, connections=60000, rps_scope='node', rps='auto',
                  irq_cpus=None, irq_cpus_per_node=None, rps_min_cpus=2, nic_local=True,
                  possible_cpus=None, layout='auto', cores_per_irq_cpu=16, irq_cpu_max_queues=4,
                  app_cpus_with_irq=False, channels='keep', reserved_cpus=None, share=None):
    """Compute the steering plan for one NIC on one host. See the module docstring."""
    topo = _normalise_topology(topology)
    card = _normalise_nic(nic)
    connections = _int(connections, 'connections')
    irq_cpus_per_node = _int(irq_cpus_per_node, 'irq_cpus_per_node', 1, allow_none=True)
    rps_min_cpus = _int(rps_min_cpus, 'rps_min_cpus', 1)
    cores_per_irq_cpu = _int(cores_per_irq_cpu, 'cores_per_irq_cpu', 1)
    irq_cpu_max_queues = _int(irq_cpu_max_queues, 'irq_cpu_max_queues', 1)
    if rps_scope not in RPS_SCOPES:
        raise PlanError("rps_scope %r is not valid; use one of: %s" % (rps_scope, ', '.join(RPS_SCOPES)))
    if isinstance(rps, bool):
        rps = 'on' if rps else 'off'
    if rps not in RPS_MODES:
        raise PlanError("rps %r is not valid; use one of: %s" % (rps, ', '.join(RPS_MODES)))
    if layout not in LAYOUTS:
        raise PlanError("layout %r is not valid; use one of: %s" % (layout, ', '.join(LAYOUTS)))
    if isinstance(channels, str) and channels.strip().isdigit():
        channels = int(channels)
    if channels not in ('keep', 'auto') and (
            isinstance(channels, bool) or not isinstance(channels, int) or channels < 1):
        raise PlanError("channels %r is not valid; use keep, auto or a number of channels >= 1" % (channels,))
    for flag, value in (('nic_local', nic_local), ('app_cpus_with_irq', app_cpus_with_irq)):
        if not isinstance(value, bool):
            raise PlanError("%s must be true or false, got %r" % (flag, value))
    possible = topo['possible']
    if possible_cpus is not None:
        possible = _int(possible_cpus, 'possible_cpus', 1)
        if topo['online'] >> possible:
            raise PlanError("possible_cpus %d is smaller than the online CPUs %s need"
                            % (possible, format_list(topo['online'])))

    if reserved_cpus is not None and reserved_cpus != '':
        reserved = _bits(reserved_cpus, 'reserved_cpus')
        outside = reserved & ~topo['online']
        if outside or not reserved:
            raise PlanError("reserved_cpus %r: %s; online CPUs are %s" % (
                reserved_cpus, 'CPUs %s are not online' % format_list(outside) if outside else 'no CPU given',
                format_list(topo['online'])))
        node = card['node']
        if node is not None and nic_local and node in topo['nodes'] and not reserved & topo['nodes'][node]:
            raise PlanError("reserved_cpus %s has no CPU on NUMA node %d, where %s is attached (its CPUs: %s); "
                            "reserve some of them, or set nic_local false"
                            % (format_list(reserved), node, card['name'], format_list(topo['nodes'][node])))
        topo['reserved'] = reserved
    host = _Host(topo, card)
    if not host.housekeeping:
        raise PlanError("every online CPU (%s) is isolated%s: no CPU is left for IRQs and RPS" % (
            format_list(host.online), ' or outside reserved_cpus %s' % format_list(topo['reserved'])
            if 'reserved' in topo else ''))
    offset, total = 0, None
    if share:
        if not isinstance(share, dict):
            raise PlanError("share must be a steering_targets entry {offset, total, chain}, got %r" % (share,))
        offset = _int(share.get('offset') or 0, 'share offset')
        total = _int(share.get('total'), 'share total', 1, allow_none=True)
    counts = _channel_counts(card, nic)
    policy = {'rps': rps, 'rps_min_cpus': rps_min_cpus, 'irq_cpus_per_node': irq_cpus_per_node,
              'cores_per_irq_cpu': cores_per_irq_cpu, 'irq_cpu_max_queues': irq_cpu_max_queues,
              'queues_possible': counts[2] if channels == 'auto' and counts else None}

    reasons = _cpu_notes(topo, possible)
    if nic.get('irq_note'):
        reasons.append(str(nic['irq_note']))
    local, why = _region(host, nic_local)
    reasons += why
    if total and card['vectors']:
        policy['queues_shared'] = max(total, offset + len(card['vectors']))
        reasons.append("%s carries %s (%s): its %d queue vector(s) share one layout with the chain's other "
                       "devices, from position %d of %d, so that no two devices' queues start on the same "
                       "IRQ CPU." % (card['name'], share.get('group') or card['name'], share.get('chain') or '',
                                     len(card['vectors']), offset, policy['queues_shared']))
    layout, irq_list, why = _layout_step(host, local, layout, irq_cpus, policy)
    reasons += why
    if irq_list and offset:
        # this device's vectors take the positions after the devices planned before it
        start = offset % len(irq_list)
        irq_list = irq_list[start:] + irq_list[:start]
    channel_change, why = _channels_step(host, local, layout, irq_list, channels, counts, policy)
    reasons += why
    irq_affinity = {}
    for index, vector in enumerate(card['vectors']):
        for irq in vector:
            irq_affinity[str(irq)] = str(irq_list[index % len(irq_list)])
    rps_bits, rps_on, why = _rps_step(host, local, layout, irq_list, rps, rps_scope, rps_min_cpus)
    reasons += why
    entries, rps_flow_cnt, why = _rfs_step(card, rps_on, connections)
    reasons += why
    xps_bits, why = _xps_step(host, local, irq_list)
    reasons += why
    apps, why = _app_step(host, layout, irq_list, app_cpus_with_irq)
    reasons += why

    fmt = _Formatter(possible)
    return {
        'interface': card['name'],
        'group': (share or {}).get('group') or card['name'],
        'layout': layout,
        'channels': channel_change,
        'possible_cpus': possible,
        'irq_cpus': format_list(irq_list),
        'irq_affinity': irq_affinity,
        'rps_cpus': dict((q, fmt.list(bits)) for q, bits in rps_bits.items()),
        'rps_masks': dict((q, fmt.mask(bits)) for q, bits in rps_bits.items()),
        'xps_cpus': dict((q, fmt.list(bits)) for q, bits in xps_bits.items()),
        'xps_masks': dict((q, fmt.mask(bits)) for q, bits in xps_bits.items()),
        'rps_flow_cnt': rps_flow_cnt,
        'rps_sock_flow_entries': entries,
        'app_cpus': format_list(apps),
        # irqbalance's own ban list replaces its automatic ban of isolated and nohz_full CPUs: keep them
        'irqbalance_banned_cpus': format_list(_bits(irq_list, 'irq_cpus') | (host.online & ~host.housekeeping)),
        # where pods' packets may be steered on the host side of their veths (net.core.rps_default_mask,
        # opt-in): the housekeeping CPUs, the same on every interface of the host
        'pod_rps_cpus': fmt.list(host.housekeeping),
        'pod_rps_mask': fmt.mask(host.housekeeping),
        'nginx_worker_cpus': format_list(apps),
        'loadgen_cpus': format_list(apps),
        'reasons': reasons,
    }
