# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a network mode puts on one node, and the commands that get the kernel there (pure).

``wanted(spec, node_mtu)`` says what the mode needs on this node: flannel's VXLAN device with its
address, routes, permanent neighbours and fdb entries (as flanneld programs them), the routes to
the peers' pod subnets (flannel host-gw, ipvlan l3/l3s), the MTU left to pods and the node's CNI
config. ``changes(want, have, proto)`` compares it with the kernel's state as ``ip -j`` and
``bridge -j`` print it (``parse_state``) and returns the commands, each with a label for the diff.
Kernel state is the reference: a rerun with nothing missing gives no command. Routes of our
protocol number, neighbours and fdb entries on the VXLAN device that are no longer wanted (a peer
that left) are deleted.

iproute2's JSON output (``ip -j``, iproute2 4.13 and later) rather than a netlink library: every
node has ``ip`` and ``bridge``, while pyroute2 would be one more package on every managed node, and
the commands are the ones an operator would type to check or repeat a step.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

VXLAN_DEVICE = 'flannel.1'
VXLAN_VNI = 1
VXLAN_PORT = 8472          # flannel's default (the Linux kernel's, not IANA's 4789)
VXLAN_OVERHEAD = 50        # outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8, as flannel subtracts it


def vtep_mac(address):
    """A stable MAC for a node's VTEP, from its address (flanneld makes one up and publishes it)."""
    return '0e:6c:%02x:%02x:%02x:%02x' % tuple(int(part) for part in address.split('.'))


def _bridge_cni(bridge, subnet, mtu):
    return {'cniVersion': '0.4.0', 'name': 'lowlat',
            'plugins': [{'type': 'bridge', 'bridge': bridge, 'isGateway': True, 'ipMasq': False, 'mtu': mtu,
                         'ipam': {'type': 'host-local', 'ranges': [[{'subnet': subnet}]],
                                  'routes': [{'dst': '0.0.0.0/0'}]}},
                        {'type': 'loopback'}]}


def _link_cni(kind, master, mode, mtu, ipam):
    return {'cniVersion': '0.4.0', 'name': 'lowlat',
            'plugins': [{'type': kind, 'master': master, 'mode': mode, 'mtu': mtu, 'ipam': ipam},
                        {'type': 'loopback'}]}


def _cluster_ipam(spec):
    """Addresses from this node's range, on an interface that spans the cluster range: the pods of
    every node are on-link to each other (macvlan, ipvlan l2: no gateway on the segment)."""
    pod_range = spec.get('pod_range') or {}
    return {'type': 'host-local',
            'ranges': [[{'subnet': spec['cluster_cidr'], 'rangeStart': pod_range.get('start'),
                         'rangeEnd': pod_range.get('end')}]]}


def _peer_routes(spec, dev):
    return [{'dst': _network(peer['subnet']), 'gateway': peer['address'], 'dev': dev, 'onlink': False}
            for peer in spec.get('peers') or []]


def wanted(spec, node_mtu, lease=None):
    """The node's part of a mode.

    spec: {type, flannel_backend, flannel_engine, ipvlan_mode, interface, address (this node's),
           subnet (its pod subnet), cluster_cidr, pod_range {start, end}, peers [{name, subnet,
           address}], bridge}
    node_mtu: the MTU of the node interface.
    lease: flanneld's lease {subnet, mtu} (flanneld engine), or None when flanneld has not given one.
    Returns {vxlan: {...} or None, routes, neigh, fdb, adjacent (peer addresses that must be on-link),
    mtu (the pods'), subnet, cni (the node's CNI config, or None when the mode has none here)}.
    """
    mode = spec.get('type', 'host')
    backend = spec.get('flannel_backend', 'host-gw')
    engine = spec.get('flannel_engine', 'static')
    dev = spec.get('interface')
    subnet = spec.get('subnet') or None
    want = {'vxlan': None, 'routes': [], 'neigh': [], 'fdb': [], 'adjacent': [], 'mtu': node_mtu,
            'subnet': subnet, 'cni': None}
    if mode == 'flannel':
        if engine == 'kubernetes':
            return want            # kube-flannel installs its own conflist and programs the node
        if engine == 'flanneld':
            if not lease:
                return want        # no lease: flanneld is not running here, pods cannot be made
            want.update(subnet=lease['subnet'], mtu=lease['mtu'])
        elif backend == 'host-gw':
            want['routes'] = _peer_routes(spec, dev)
            want['adjacent'] = [peer['address'] for peer in spec.get('peers') or []]
        elif backend == 'vxlan':
            want['mtu'] = node_mtu - VXLAN_OVERHEAD
            want['vxlan'] = {'name': VXLAN_DEVICE, 'id': VXLAN_VNI, 'local': spec['address'], 'link': dev,
                             'port': VXLAN_PORT, 'mac': vtep_mac(spec['address']), 'mtu': want['mtu'],
                             # flannel's convention: a VTEP's address is its pod subnet's network address
                             'address': str(ipaddress.ip_network(subnet).network_address)}
            for peer in spec.get('peers') or []:
                vtep = str(ipaddress.ip_network(peer['subnet']).network_address)
                want['routes'].append({'dst': _network(peer['subnet']), 'gateway': vtep, 'dev': VXLAN_DEVICE,
                                       'onlink': True})
                want['neigh'].append({'dst': vtep, 'lladdr': vtep_mac(peer['address'])})
                want['fdb'].append({'mac': vtep_mac(peer['address']), 'dst': peer['address']})
        want['cni'] = _bridge_cni(spec.get('bridge', 'cni0'), want['subnet'], want['mtu'])
    elif mode == 'macvlan':
        want['cni'] = _link_cni('macvlan', dev, 'bridge', node_mtu, _cluster_ipam(spec))
    elif mode == 'ipvlan':
        ipvlan_mode = spec.get('ipvlan_mode', 'l2')
        if ipvlan_mode == 'l2':
            ipam = _cluster_ipam(spec)
        else:
            # l3/l3s: the node routes for its pods, so each node routes the peers' subnets via the peer
            want['routes'] = _peer_routes(spec, dev)
            want['adjacent'] = [peer['address'] for peer in spec.get('peers') or []]
            ipam = {'type': 'host-local', 'ranges': [[{'subnet': subnet}]], 'routes': [{'dst': '0.0.0.0/0'}]}
        want['cni'] = _link_cni('ipvlan', dev, ipvlan_mode, node_mtu, ipam)
    return want


def parse_lease(text):
    """flanneld's /run/flannel/subnet.env -> {subnet (the network), mtu}, or None without both."""
    values = {}
    for line in (text or '').splitlines():
        key, sep, value = line.strip().partition('=')
        if sep:
            values[key] = value.strip().strip('"')
    if not values.get('FLANNEL_SUBNET') or not values.get('FLANNEL_MTU', '').isdigit():
        return None
    return {'subnet': str(ipaddress.ip_interface(values['FLANNEL_SUBNET']).network),
            'mtu': int(values['FLANNEL_MTU'])}


def _network(dst):
    """A route's destination as a network (ip -j prints a /32 without its length)."""
    try:
        return str(ipaddress.ip_network(dst, strict=False))
    except (TypeError, ValueError):
        return dst


def parse_state(link=None, addrs=None, routes=None, neigh=None, fdb=None):
    """Kernel state from the parsed JSON of ``ip -j -d link show dev flannel.1`` (None when it does
    not exist), ``ip -j -4 addr show dev flannel.1``, ``ip -j -4 route show table main proto P``,
    ``ip -j neigh show dev flannel.1`` and ``bridge -j fdb show dev flannel.1``."""
    vxlan = None
    if link:
        info = link[0].get('linkinfo') or {}
        data = info.get('info_data') or {}
        vxlan = {'kind': info.get('info_kind'), 'id': data.get('id'), 'local': data.get('local'),
                 'link': data.get('link'), 'port': data.get('port'), 'mac': link[0].get('address'),
                 'mtu': link[0].get('mtu'), 'up': 'UP' in (link[0].get('flags') or []),
                 'addresses': [a.get('local') for entry in addrs or [] for a in entry.get('addr_info') or []
                               if a.get('family') == 'inet']}
    return {
        'vxlan': vxlan,
        'routes': [{'dst': _network(r.get('dst')), 'gateway': r.get('gateway'), 'dev': r.get('dev'),
                    'onlink': 'onlink' in (r.get('flags') or [])} for r in routes or []],
        'neigh': [{'dst': n.get('dst'), 'lladdr': n.get('lladdr')} for n in neigh or []
                  if 'PERMANENT' in (n.get('state') or [])],
        'fdb': [{'mac': f.get('mac'), 'dst': f.get('dst')} for f in fdb or [] if f.get('dst')],
    }


def _route_argv(verb, route, proto):
    argv = ['ip', 'route', verb, route['dst']]
    if verb != 'del':
        argv += ['via', route['gateway'], 'dev', route['dev']] + (['onlink'] if route['onlink'] else [])
    return argv + ['proto', str(proto)]


def changes(want, have, proto):
    """The commands from the kernel's state (parse_state) to the wanted one: [{label, before,
    after, argv}], in the order they must run (device before its address, routes and entries)."""
    out = []
    vx, cur = want.get('vxlan'), have.get('vxlan')
    have_routes, have_neigh, have_fdb = have.get('routes') or [], have.get('neigh') or [], have.get('fdb') or []
    if vx:
        name = vx['name']
        same = cur is not None and cur['kind'] == 'vxlan' and \
            all(cur.get(key) == vx[key] for key in ('id', 'local', 'link', 'port', 'mac'))
        if cur is not None and not same:
            out.append({'label': 'link ' + name, 'before': cur, 'after': None, 'argv': ['ip', 'link', 'del', name]})
        if cur is not None and not same:
            # deleting the device takes its routes, neighbours and fdb entries with it
            have_routes = [r for r in have_routes if r['dev'] != name]
            have_neigh, have_fdb = [], []
        if not same:
            out.append({'label': 'link ' + name, 'before': None,
                        'after': dict((k, vx[k]) for k in ('id', 'local', 'link', 'port', 'mac')),
                        'argv': ['ip', 'link', 'add', name, 'address', vx['mac'], 'type', 'vxlan', 'id', str(vx['id']),
                                 'local', vx['local'], 'dev', vx['link'], 'dstport', str(vx['port']), 'nolearning']})
            cur = {'mtu': None, 'up': False, 'addresses': []}
        if cur['mtu'] != vx['mtu']:
            out.append({'label': 'mtu ' + name, 'before': cur['mtu'], 'after': vx['mtu'],
                        'argv': ['ip', 'link', 'set', name, 'mtu', str(vx['mtu'])]})
        if vx['address'] not in cur['addresses']:
            out.append({'label': 'address ' + name, 'before': cur['addresses'], 'after': vx['address'] + '/32',
                        'argv': ['ip', 'addr', 'replace', vx['address'] + '/32', 'dev', name]})
        if not cur['up']:
            out.append({'label': 'up ' + name, 'before': False, 'after': True, 'argv': ['ip', 'link', 'set', name, 'up']})
    for route in want.get('routes') or []:
        if route not in have_routes:
            old = [r for r in have_routes if r['dst'] == route['dst']]
            out.append({'label': 'route ' + route['dst'], 'before': old[0] if old else None, 'after': route,
                        'argv': _route_argv('replace', route, proto)})
    wanted_dsts = set(r['dst'] for r in want.get('routes') or [])
    for route in have_routes:
        if route['dst'] not in wanted_dsts:
            out.append({'label': 'route ' + route['dst'], 'before': route, 'after': None,
                        'argv': _route_argv('del', route, proto)})
    if vx:
        for entry in want.get('neigh') or []:
            if entry not in have_neigh:
                out.append({'label': 'neigh ' + entry['dst'], 'before': None, 'after': entry['lladdr'],
                            'argv': ['ip', 'neigh', 'replace', entry['dst'], 'lladdr', entry['lladdr'],
                                     'dev', vx['name'], 'nud', 'permanent']})
        for entry in have_neigh:
            if entry['dst'] not in [n['dst'] for n in want.get('neigh') or []]:
                out.append({'label': 'neigh ' + entry['dst'], 'before': entry['lladdr'], 'after': None,
                            'argv': ['ip', 'neigh', 'del', entry['dst'], 'dev', vx['name']]})
        for entry in want.get('fdb') or []:
            if entry not in have_fdb:
                out.append({'label': 'fdb ' + entry['mac'], 'before': None, 'after': entry['dst'],
                            'argv': ['bridge', 'fdb', 'replace', entry['mac'], 'dev', vx['name'], 'dst', entry['dst']]})
        for entry in have_fdb:
            # an entry of a wanted MAC with another destination is replaced above
            if entry['mac'] not in [f['mac'] for f in want.get('fdb') or []]:
                out.append({'label': 'fdb ' + entry['mac'], 'before': entry['dst'], 'after': None,
                            'argv': ['bridge', 'fdb', 'del', entry['mac'], 'dev', vx['name'], 'dst', entry['dst']]})
    return out


def not_adjacent(addresses, route_get, interface=None):
    """The peer addresses a route via the peer on ``interface`` cannot reach: reached through a
    gateway, through another interface, or not at all.
    route_get: address -> the parsed ``ip -j route get`` answer, or None when it failed."""
    bad = []
    for address in addresses:
        answer = route_get.get(address)
        if not answer:
            bad.append('%s (no route)' % address)
        elif answer[0].get('gateway'):
            bad.append('%s (via %s)' % (address, answer[0]['gateway']))
        elif interface and answer[0].get('dev') != interface:
            bad.append('%s (on %s, not %s)' % (address, answer[0].get('dev'), interface))
    return bad
