# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading a host's /sys and /proc into the plain dicts the plan uses.

Every path is taken relative to ``root`` ('/' on a real host) so the same
code reads a captured tree in tests.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gzip
import os
import re

from ansible_collections.lowlat.k8snet.plugins.module_utils import nic as nicparse
from ansible_collections.lowlat.k8snet.plugins.module_utils import topology as topo
from ansible_collections.lowlat.k8snet.plugins.module_utils.cpuset import (
    bits_to_list, format_list, to_bits,
)

FEATURES = {
    # feature: (kernel config symbol, module name, path that proves it at run time)
    'ipvlan': ('CONFIG_IPVLAN', 'ipvlan', None),
    'macvlan': ('CONFIG_MACVLAN', 'macvlan', None),
    'vxlan': ('CONFIG_VXLAN', 'vxlan', None),
    'bridge': ('CONFIG_BRIDGE', 'bridge', None),
    'veth': ('CONFIG_VETH', 'veth', None),
    'nftables': ('CONFIG_NF_TABLES', 'nf_tables', None),
    'busy_poll': ('CONFIG_NET_RX_BUSY_POLL', None, 'proc/sys/net/core/busy_poll'),
    'rfs': ('CONFIG_RFS_ACCEL', None, 'proc/sys/net/core/rps_sock_flow_entries'),
}


def parse_ipv4(entries):
    """``ip -j -4 addr show`` (parsed) -> {interface: ['address/prefix', ...]}, in the kernel's order."""
    out = {}
    for entry in entries or []:
        found = ['%s/%s' % (a['local'], a['prefixlen']) for a in entry.get('addr_info') or []
                 if a.get('family') == 'inet' and a.get('local')]
        if found and entry.get('ifname'):
            out[entry['ifname']] = found
    return out


def parse_isolcpus(cmdline):
    """The kernel command line's isolcpus=[flag,...,]cpu-list -> (cpu list text, [flags])."""
    text = ''
    for word in cmdline.split():
        if word.startswith('isolcpus='):
            text = word.split('=', 1)[1]
    flags = []
    parts = text.split(',') if text else []
    while parts and parts[0] and not parts[0][0].isdigit():
        flags.append(parts.pop(0))
    return ','.join(parts), flags


class Host(object):
    """Read-only view of a host's sysfs/procfs under ``root``."""

    def __init__(self, root='/'):
        self.root = root or '/'

    def path(self, *parts):
        return os.path.join(self.root, *[p.lstrip('/') for p in parts])

    def read(self, *parts, **kwargs):
        default = kwargs.get('default')
        try:
            with open(self.path(*parts)) as handle:
                return handle.read().strip()
        except (IOError, OSError):
            return default

    def exists(self, *parts):
        return os.path.exists(self.path(*parts))

    def listdir(self, *parts):
        try:
            return sorted(os.listdir(self.path(*parts)))
        except OSError:
            return []

    # --- CPUs -------------------------------------------------------------
    def cpu_sets(self):
        online = self.read('sys/devices/system/cpu/online', default='')
        possible = self.read('sys/devices/system/cpu/possible', default='') or online
        possible_bits = to_bits(possible, 'possible CPUs')
        isolation = self.isolation()
        isolated = 0
        for source, cpus in isolation.items():
            if source != 'isolcpus_flags':
                isolated |= to_bits(cpus, 'isolated CPUs')
        return {
            'online': to_bits(online, 'online CPUs'),
            # the kernel's mask width (nr_cpu_ids): highest possible CPU + 1, holes included
            'possible': possible_bits.bit_length(),
            'possible_bits': possible_bits,
            'isolated': isolated,
            'isolation': isolation,
        }

    def isolation(self):
        """CPUs kept from housekeeping work, by source (CPU lists; a source absent or empty is left out):
        isolcpus (/sys/.../isolated, its domain CPUs; and the boot line's list whatever its flags, since
        managed_irq keeps managed IRQs off them), nohz_full (the kernel drops those from rps_cpus too),
        and cgroup v2 isolated partitions (cpuset.cpus.isolated)."""
        found = {}
        cmdline = self.read('proc/cmdline', default='') or ''
        isolcpus, flags = parse_isolcpus(cmdline)
        domain = self.read('sys/devices/system/cpu/isolated', default='') or ''
        if isolcpus or domain.strip():
            found['isolcpus'] = format_list(to_bits(isolcpus, 'isolcpus') | to_bits(domain, 'isolated CPUs'))
            if flags:
                found['isolcpus_flags'] = ','.join(flags)
        nohz = (self.read('sys/devices/system/cpu/nohz_full', default='') or '').strip()
        if nohz and nohz != '(null)':
            found['nohz_full'] = format_list(to_bits(nohz, 'nohz_full CPUs'))
        cgroup = (self.read('sys/fs/cgroup/cpuset.cpus.isolated', default='') or '').strip()
        if cgroup:
            found['cgroup_isolated'] = format_list(to_bits(cgroup, 'cpuset.cpus.isolated'))
        return dict((key, value) for key, value in found.items() if value)

    def topology(self):
        sets = self.cpu_sets()
        node_of = {}
        rows = {}
        for entry in self.listdir('sys/devices/system/node'):
            match = re.match(r'^node(\d+)$', entry)
            if match:
                cpus = self.read('sys/devices/system/node', entry, 'cpulist', default='')
                for cpu in bits_to_list(to_bits(cpus, entry + ' cpulist')):
                    node_of[cpu] = int(match.group(1))
                rows[int(match.group(1))] = (self.read('sys/devices/system/node', entry, 'distance') or '').split()
        records = []
        for cpu in bits_to_list(sets['possible_bits'] | sets['online']):
            base = 'sys/devices/system/cpu/cpu%d/topology' % cpu
            online = bool(sets['online'] >> cpu & 1)
            core = self.read(base, 'core_id')
            socket = self.read(base, 'physical_package_id')
            records.append({
                'cpu': cpu,
                'core': int(core) if online and core not in (None, '') else None,
                'socket': int(socket) if online and socket not in (None, '', '-1') else None,
                'node': node_of.get(cpu),
                'online': online,
            })
        result = topo.build(records, possible=max(sets['possible'], len(records)),
                            isolated=format_list(sets['isolated']))
        result['isolation'] = dict((key, value) for key, value in sets['isolation'].items())
        # node*/distance: one figure per node, in node id order (the kernel's for_each_online_node)
        ids = sorted(rows)
        if rows and all(len(row) == len(ids) and all(x.isdigit() for x in row) for row in rows.values()):
            result['distances'] = dict((str(node), dict((str(other), int(value)) for other, value in zip(ids, row)))
                                       for node, row in rows.items())
        return result

    # --- kernel -----------------------------------------------------------
    def kernel_config(self, release):
        text = None
        try:
            with gzip.open(self.path('proc/config.gz'), 'rt') as handle:
                text = handle.read()
        except (IOError, OSError):
            text = self.read('boot', 'config-%s' % release)
        config = {}
        for line in (text or '').splitlines():
            match = re.match(r'^(CONFIG_\w+)=(.*)$', line)
            if match:
                config[match.group(1)] = match.group(2)
        return config

    def kernel(self):
        release = self.read('proc/sys/kernel/osrelease', default='') or os.uname()[2]
        config = self.kernel_config(release)
        moddir = 'lib/modules/%s' % release
        modules = '\n'.join(filter(None, [self.read(moddir, 'modules.builtin', default=''),
                                          self.read(moddir, 'modules.dep', default='')]))
        features = {}
        sources = {}
        for name, (symbol, module, proof) in FEATURES.items():
            if proof and self.exists(proof):
                features[name], sources[name] = True, proof
            elif module and self.exists('sys/module', module):
                features[name], sources[name] = True, 'sys/module/' + module
            elif config:
                features[name] = config.get(symbol) in ('y', 'm')
                sources[name] = 'kernel config %s=%s' % (symbol, config.get(symbol, 'unset'))
            elif module and re.search(r'/%s\.ko' % re.escape(module), modules):
                features[name], sources[name] = True, moddir
            else:
                features[name], sources[name] = False, 'not found'
        return {
            'release': release,
            'version': self.read('proc/sys/kernel/version', default=''),
            'modules': config.get('CONFIG_MODULES') in ('y',) if config else None,
            'features': features,
            'feature_sources': sources,
            'root_netns': self.exists('proc/sys/net/core/rps_sock_flow_entries'),
        }

    # --- NICs -------------------------------------------------------------
    def interfaces(self):
        return [name for name in self.listdir('sys/class/net')
                if name != 'lo' and self.exists('sys/class/net', name, 'queues')]

    def default_interface(self):
        text = self.read('proc/net/route', default='')
        for line in text.splitlines()[1:]:
            fields = line.split()
            if len(fields) > 2 and fields[1] == '00000000':
                return fields[0]
        text = self.read('proc/net/ipv6_route', default='')
        for line in text.splitlines():
            fields = line.split()
            if len(fields) == 10 and fields[0] == '0' * 32 and fields[1] == '00' and fields[9] != 'lo':
                return fields[9]
        return None

    def _device_attr(self, name, attr):
        """A PCI attribute of the NIC's device, or of its parent (virtio sits under PCI)."""
        value = self.read('sys/class/net', name, 'device', attr)
        if value is None:
            value = self.read('sys/class/net', name, 'device', '..', attr)
        return value

    def lower(self, name):
        """The devices directly under name: a bond's slaves (bonding/slaves), and the lower_* links of a
        VLAN, macvlan, ipvlan or team device, in that order, each once."""
        found = (self.read('sys/class/net', name, 'bonding', 'slaves', default='') or '').split()
        for entry in self.listdir('sys/class/net', name):
            if entry.startswith('lower_'):
                found.append(entry[len('lower_'):])
        return list(dict.fromkeys(found))

    def physical_lower(self, name, seen=None):
        """The physical devices under name, recursively (bond0.100 -> bond0 -> eth1, eth2), and the chain
        as text; a device with a device link of its own is physical."""
        seen = set(seen or ()) | set([name])
        below = [dev for dev in self.lower(name) if dev not in seen]
        if not below:
            return [], name
        leaves, parts = [], []
        for dev in below:
            if self.exists('sys/class/net', dev, 'device'):
                leaves.append(dev)
                parts.append(dev)
            else:
                deeper, chain = self.physical_lower(dev, seen)
                leaves += [leaf for leaf in deeper if leaf not in leaves]
                parts.append(chain)
        return leaves, '%s -> %s' % (name, ', '.join(parts))

    def nic(self, name, interrupts=None):
        base = 'sys/class/net/%s' % name
        if not self.exists(base):
            return None
        sysfs = nicparse.sysfs_nic(self.path(base))
        rx, tx, device = sysfs['rx'], sysfs['tx'], sysfs['device_name']
        if interrupts is None:
            interrupts = nicparse.parse_interrupts(self.read('proc/interrupts', default=''))
        found = nicparse.queue_irqs(name, interrupts, device_name=device, pci_address=sysfs['pci_address'],
                                    msi_irqs=sysfs['msi_irqs'], driver=sysfs['driver'], rx_queues=rx,
                                    tx_queues=tx) if device else \
            {'driver_style': 'none', 'queues': [], 'irqs': [], 'other_irqs': [], 'excluded': [], 'note': None}
        lower = self.lower(name)
        leaves, chain = self.physical_lower(name) if device is None and lower else ([], None)
        speed = self.read(base, 'speed')
        mtu = self.read(base, 'mtu')
        return {
            'name': name,
            'rx_queues': rx,
            'tx_queues': tx,
            'irqs': found['irqs'],
            'queues': found['queues'],
            'other_irqs': found['other_irqs'],
            'irq_naming': found['driver_style'],
            'irq_note': found['note'],
            'excluded_irqs': found['excluded'],
            'numa_node': nicparse.parse_numa_node(self._device_attr(name, 'numa_node')) if device else None,
            'local_cpus': self._device_attr(name, 'local_cpulist') if device else None,
            'driver': sysfs['driver'],
            'device': device,
            'pci_address': sysfs['pci_address'],
            'bus_info': sysfs['pci_address'] or device,
            'virtual': device is None,
            'lower': lower,
            'physical_lower': leaves,
            'chain': chain,
            'speed_mbps': int(speed) if speed and speed.lstrip('-').isdigit() and int(speed) > 0 else None,
            'mtu': int(mtu) if mtu and mtu.isdigit() else None,
        }

    def facts(self, interfaces=None, addresses=None):
        interrupts = nicparse.parse_interrupts(self.read('proc/interrupts', default=''))
        names = interfaces if interfaces else self.interfaces()
        nics = {}
        for name in names:
            info = self.nic(name, interrupts)
            if info is not None:
                nics[name] = info
        return {
            'topology': self.topology(),
            'kernel': self.kernel(),
            'nics': nics,
            'default_interface': self.default_interface(),
            'ipv4': parse_ipv4(addresses),
        }
