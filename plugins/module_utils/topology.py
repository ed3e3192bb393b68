# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""CPU/NUMA topology from ``lscpu -p`` output or from sysfs, as one plain dict.

The topology dict (what ``lscpu_topology`` and ``host_facts`` return, and
what ``steering_plan`` takes)::

    cpus:      [{cpu, core, socket, node, online}, ...]  one record per CPU known
    online:    '0-35'        CPU list of online CPUs
    possible:  36            count of possible CPUs (the kernel's mask width)
    isolated:  ''            CPU list of isolated CPUs
    nodes:     {'0': '0-8,18-26', '1': '9-17,27-35'}   online CPUs per NUMA node
    sockets:   {'0': '0-8,18-26', ...}
    cores:     18            physical cores with an online CPU
    threads_per_core: 2
    physical:  '0-17'        first online thread of every core
    siblings:  {'0': '0,18', ...}   hyperthread siblings (online), only where a core has >1
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lowlat.k8snet.plugins.module_utils.cpuset import (
    CpuSetError, format_list, format_sorted, to_bits,
)


class TopologyError(ValueError):
    """Raised for topology input that cannot be understood."""


def _field(value):
    value = value.strip()
    if value in ('', '-'):
        return None
    try:
        return int(value)
    except ValueError:
        raise TopologyError("lscpu field %r is not a number" % value)


def parse_lscpu(text):
    """Parse ``lscpu -p=CPU,CORE,SOCKET,NODE[,ONLINE]`` (``-a`` for offline CPUs too).

    Comment lines are skipped, except the column header (``# CPU,Core,...``)
    which gives the column order when it is present.
    """
    if not isinstance(text, str):
        raise TopologyError("lscpu_topology expects the text printed by lscpu -p, got %s"
                            % type(text).__name__)
    columns = ['cpu', 'core', 'socket', 'node']
    records = []
    pad = at = None
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if line.startswith('#'):
            header = line.lstrip('#').strip()
            if header.lower().startswith('cpu,'):
                columns = [name.strip().lower() for name in header.split(',')]
                at = None
            continue
        if at is None:
            if 'cpu' not in columns:
                raise TopologyError("lscpu output has no CPU column (line %d: %r)" % (lineno, line))
            # where each field is, the missing ones pointing past the end (an empty field)
            at = [columns.index(name) if name in columns else len(columns) for name in
                  ('cpu', 'core', 'socket', 'node', 'online')]
            pad = [''] * (len(columns) + 1)
        fields = line.split(',') + pad
        cpu, core, socket, node, online = [fields[index] for index in at]
        cpu = int(cpu) if cpu.isdigit() else _field(cpu)
        if cpu is None:
            raise TopologyError("line %d of lscpu output has no CPU number: %r" % (lineno, line))
        records.append({
            'cpu': cpu,
            'core': int(core) if core.isdigit() else _field(core),
            'socket': int(socket) if socket.isdigit() else _field(socket),
            'node': int(node) if node.isdigit() else _field(node),
            'online': online.strip().upper() not in ('N', 'NO', '0'),
        })
    if not records:
        raise TopologyError("lscpu output lists no CPU; run lscpu -p=CPU,CORE,SOCKET,NODE")
    return build(records)


def build(records, possible=None, isolated=''):
    """Build the topology dict from per-CPU records ({cpu, core, socket, node, online})."""
    seen = set()
    cpus = []
    for rec in sorted(records, key=lambda r: r['cpu']):
        if rec['cpu'] in seen:
            raise TopologyError("CPU %d is listed twice" % rec['cpu'])
        seen.add(rec['cpu'])
        cpus.append({
            'cpu': rec['cpu'],
            'core': rec.get('core'),
            'socket': rec.get('socket') if rec.get('socket') is not None else 0,
            'node': rec.get('node') if rec.get('node') is not None else 0,
            'online': bool(rec.get('online', True)),
        })
    highest = cpus[-1]['cpu']
    if possible is None:
        possible = highest + 1
    elif possible <= highest:
        raise TopologyError("possible CPU count %d is too small for CPU %d" % (possible, highest))
    try:
        isolated_bits = to_bits(isolated, 'isolated CPUs')
    except CpuSetError as exc:
        raise TopologyError(str(exc))

    online_bits = 0
    nodes = {}
    sockets = {}
    cores = {}
    for rec in cpus:
        if not rec['online']:
            continue
        bit = 1 << rec['cpu']
        online_bits |= bit
        nodes[rec['node']] = nodes.get(rec['node'], 0) | bit
        sockets[rec['socket']] = sockets.get(rec['socket'], 0) | bit
        core_key = (rec['socket'], rec['core'] if rec['core'] is not None else ('cpu', rec['cpu']))
        cores.setdefault(core_key, []).append(rec['cpu'])

    physical = 0
    siblings = {}
    threads = 1
    for members in cores.values():
        physical |= 1 << min(members)
        threads = max(threads, len(members))
        if len(members) > 1:
            text = format_sorted(members)   # appended in CPU order
            for cpu in members:
                siblings[str(cpu)] = text

    return {
        'cpus': cpus,
        'online': format_list(online_bits),
        'possible': possible,
        'isolated': format_list(isolated_bits),
        'nodes': dict((str(k), format_list(v)) for k, v in sorted(nodes.items())),
        'sockets': dict((str(k), format_list(v)) for k, v in sorted(sockets.items())),
        'cores': len(cores),
        'threads_per_core': threads,
        'physical': format_list(physical),
        'siblings': siblings,
    }
