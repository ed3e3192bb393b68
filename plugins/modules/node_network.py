#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: node_network
short_description: Put a pod network mode's data plane and CNI config on a node, or take it off
version_added: 0.1.0
description:
  - V(state=present) programs, in one call for all peers, what the mode needs in this node's kernel
    and writes the node's CNI config. flannel host-gw and ipvlan l3/l3s get a route to every peer's
    pod subnet via the peer; flannel vxlan gets C(flannel.1) (VNI 1, UDP 8472, the VTEP address is
    the pod subnet's network address, MTU of the node interface minus 50) with a route, a permanent
    neighbour and an fdb entry per peer, as flanneld programs them; flannel with the flanneld engine
    takes its subnet and MTU from flanneld's lease; macvlan and ipvlan l2 need only the CNI config.
  - Peers reached through a gateway (not on the same link) make a route via the peer useless; they
    fail the task before anything is changed, all named at once.
  - Idempotent by comparison with the kernel's state read with C(ip -j) and C(bridge -j); a rerun
    changes nothing. Routes of protocol O(route_proto), neighbours and fdb entries of C(flannel.1)
    that are no longer wanted (a peer that left) are deleted.
  - V(state=absent) deletes C(flannel.1) and the bridge (flannel), every route of protocol
    O(route_proto), the CNI config and the address leases. Pods must be deleted before
    (M(lowlat.k8snet.pod)).
  - Uses iproute2's JSON output rather than a netlink library, so managed nodes need nothing beyond
    C(ip) and C(bridge).
author:
  - lowlat.k8snet maintainers (@lowlat)
options:
  state:
    description: V(present) deploys, V(absent) removes.
    type: str
    choices: [present, absent]
    default: present
  type:
    description: The network mode.
    type: str
    choices: [host, flannel, ipvlan, macvlan]
    default: host
  flannel_backend:
    description: flannel's backend.
    type: str
    choices: [host-gw, vxlan, aws-vpc]
    default: host-gw
  flannel_engine:
    description:
      - Who programs flannel's data plane. V(static) is this module; with V(flanneld) the subnet and
        MTU come from O(flannel_lease); with V(kubernetes) kube-flannel does everything and this
        module does nothing.
    type: str
    choices: [static, flanneld, kubernetes]
    default: static
  ipvlan_mode:
    description: ipvlan mode.
    type: str
    choices: [l2, l3, l3s]
    default: l2
  interface:
    description: The node interface pods talk through. Required with V(state=present).
    type: str
  address:
    description: This node's IPv4 address on O(interface) (the VTEP's local address for vxlan).
    type: str
  subnet:
    description: This node's pod subnet.
    type: str
  cluster_cidr:
    description: The cluster's pod range (macvlan and ipvlan l2 pods span it).
    type: str
  pod_range:
    description: The first and last address a pod of this node may take, C({start, end}).
    type: dict
  peers:
    description: The other nodes, each C({name, subnet, address}) (pod subnet and node address).
    type: list
    elements: dict
    default: []
  bridge:
    description: The bridge of the flannel modes.
    type: str
    default: cni0
  route_proto:
    description: Routing protocol number of the routes this module programs, so that they can be told apart.
    type: int
    default: 76
  cni_conf:
    description: The node's CNI conflist file.
    type: path
    default: /etc/cni/net.d/10-lowlat.conflist
  cni_leases:
    description: host-local's address leases of the network (removed with V(state=absent)).
    type: path
    default: /var/lib/cni/networks/lowlat
  flannel_lease:
    description: flanneld's lease file (the flanneld engine).
    type: path
    default: /run/flannel/subnet.env
attributes:
  check_mode:
    support: full
    description: Reports the commands it would run and the CNI config it would write, and changes nothing.
  diff_mode:
    support: full
    description: One line per device, address, route, neighbour and fdb entry, and the CNI config.
'''

EXAMPLES = r'''
- name: flannel vxlan between two nodes (node1's side)
  lowlat.k8snet.node_network:
    type: flannel
    flannel_backend: vxlan
    interface: eth0
    address: 10.89.7.11
    subnet: 10.244.0.0/24
    peers: [{name: node2, subnet: 10.244.1.0/24, address: 10.89.7.12}]
  register: node

- name: Take it off again
  lowlat.k8snet.node_network:
    state: absent
    type: flannel
'''

RETURN = r'''
mtu:
  description: The MTU left to pods (the node's; minus 50 for vxlan; flanneld's for its engine).
  returned: when state is present
  type: int
  sample: 1450
subnet:
  description: This node's pod subnet (flanneld's lease for its engine).
  returned: when state is present
  type: str
  sample: 10.244.0.0/24
cni:
  description: The node's CNI config (a conflist), or null when the mode has none on the node.
  returned: when state is present
  type: dict
commands:
  description: The commands run (or, in check mode, that would run).
  returned: always
  type: list
  elements: str
  sample: [ip route replace 10.244.1.0/24 via 10.89.7.12 dev eth0 proto 76]
'''

import json
import os
import subprocess

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.lowlat.k8snet.plugins.module_utils import nodenet
from ansible_collections.lowlat.k8snet.plugins.module_utils.netmode import (
    ENGINES, FLANNEL_BACKENDS, IPVLAN_MODES, MODES)
from ansible_collections.lowlat.k8snet.plugins.module_utils.record import atomic_write, read_text, remove_path


def run_json(argv):
    """Parsed JSON output of an ip/bridge command, or None when it failed (no such device)."""
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return None
    return json.loads(proc.stdout or '[]')


def kernel_state(proto, vxlan):
    dev = nodenet.VXLAN_DEVICE
    link = run_json(['ip', '-j', '-d', 'link', 'show', 'dev', dev]) if vxlan else None
    return nodenet.parse_state(
        link=link,
        addrs=run_json(['ip', '-j', '-4', 'addr', 'show', 'dev', dev]) if link else None,
        routes=run_json(['ip', '-j', '-4', 'route', 'show', 'table', 'main', 'proto', str(proto)]),
        neigh=run_json(['ip', '-j', 'neigh', 'show', 'dev', dev]) if link else None,
        fdb=run_json(['bridge', '-j', 'fdb', 'show', 'dev', dev]) if link else None)


def conflist_text(config):
    return json.dumps(config, indent=4, sort_keys=True, separators=(',', ': ')) + '\n'


def apply(module, steps):
    """Run the steps in order; stop at the first that fails, naming it and what ran before."""
    done = []
    for step in steps:
        if 'argv' in step:
            rc, _out, err = module.run_command(step['argv'])
            if rc != 0:
                module.fail_json(msg="%s failed: %s" % (' '.join(step['argv']), err.strip()), commands=done)
        else:
            step['run']()
        done.append(step['command'])
    return done


def diff_of(steps):
    before = ''.join('%s: %s\n' % (s['label'], json.dumps(s['before'], sort_keys=True)) for s in steps)
    after = ''.join('%s: %s\n' % (s['label'], json.dumps(s['after'], sort_keys=True)) for s in steps)
    return {'before': before, 'after': after}


def present(module):
    p = module.params
    if not p['interface']:
        module.fail_json(msg="interface is required with state=present")
    mtu_text = read_text('/sys/class/net/%s/mtu' % p['interface'])
    if mtu_text is None:
        module.fail_json(msg="interface %r does not exist on this node" % p['interface'])
    lease = None
    if p['type'] == 'flannel' and p['flannel_engine'] == 'flanneld':
        lease = nodenet.parse_lease(read_text(p['flannel_lease']))
    try:
        want = nodenet.wanted(p, int(mtu_text), lease)
    except (KeyError, ValueError, TypeError) as exc:
        module.fail_json(msg="cannot plan network mode %s on this node: %s (check address, subnet and peers)"
                         % (p['type'], exc))
    bad = nodenet.not_adjacent(want['adjacent'], dict(
        (address, run_json(['ip', '-j', 'route', 'get', address])) for address in want['adjacent']), p['interface'])
    if bad:
        module.fail_json(msg="routes via a peer need the peer on the same link as %s; not so for: %s"
                         % (p['interface'], ', '.join(bad)))
    steps = nodenet.changes(want, kernel_state(p['route_proto'], want['vxlan']), p['route_proto'])
    for step in steps:
        step['command'] = ' '.join(step['argv'])
    if want['cni'] is not None:
        text = conflist_text(want['cni'])
        old = read_text(p['cni_conf'])
        if old != text:
            steps.append({'label': 'file ' + p['cni_conf'], 'before': old, 'after': text,
                          'command': 'write ' + p['cni_conf'],
                          'run': lambda: atomic_write(p['cni_conf'], text, mode=0o644)})
    done = [s['command'] for s in steps] if module.check_mode else apply(module, steps)
    module.exit_json(changed=bool(steps), commands=done, mtu=want['mtu'], subnet=want['subnet'], cni=want['cni'],
                     diff=diff_of(steps))


def absent(module):
    p = module.params
    steps = []
    if p['type'] == 'flannel':
        for dev in (nodenet.VXLAN_DEVICE, p['bridge']):
            if run_json(['ip', '-j', 'link', 'show', 'dev', dev]) is not None:
                steps.append({'label': 'link ' + dev, 'before': 'present', 'after': None,
                              'argv': ['ip', 'link', 'del', dev]})
    if run_json(['ip', '-j', '-4', 'route', 'show', 'table', 'main', 'proto', str(p['route_proto'])]):
        steps.append({'label': 'routes proto %d' % p['route_proto'], 'before': 'present', 'after': None,
                      'argv': ['ip', 'route', 'flush', 'table', 'main', 'proto', str(p['route_proto'])]})
    for path in (p['cni_conf'], p['cni_leases']):
        if os.path.lexists(path):
            steps.append({'label': 'file ' + path, 'before': 'present', 'after': None, 'command': 'remove ' + path,
                          'run': (lambda path=path: remove_path(path))})
    for step in steps:
        step.setdefault('command', ' '.join(step.get('argv', [])))
    done = [s['command'] for s in steps] if module.check_mode else apply(module, steps)
    module.exit_json(changed=bool(steps), commands=done, diff=diff_of(steps))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            type=dict(type='str', choices=list(MODES), default='host'),
            flannel_backend=dict(type='str', choices=list(FLANNEL_BACKENDS), default='host-gw'),
            flannel_engine=dict(type='str', choices=list(ENGINES), default='static'),
            ipvlan_mode=dict(type='str', choices=list(IPVLAN_MODES), default='l2'),
            interface=dict(type='str'),
            address=dict(type='str'),
            subnet=dict(type='str'),
            cluster_cidr=dict(type='str'),
            pod_range=dict(type='dict'),
            peers=dict(type='list', elements='dict', default=[]),
            bridge=dict(type='str', default='cni0'),
            route_proto=dict(type='int', default=76),
            cni_conf=dict(type='path', default='/etc/cni/net.d/10-lowlat.conflist'),
            cni_leases=dict(type='path', default='/var/lib/cni/networks/lowlat'),
            flannel_lease=dict(type='path', default='/run/flannel/subnet.env'),
        ),
        supports_check_mode=True,
    )
    if module.params['state'] == 'present':
        present(module)
    absent(module)


if __name__ == '__main__':
    main()
