#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: pod
short_description: Create or delete a named pod network namespace wired by real CNI plugins
version_added: 0.1.0
description:
  - A pod here is a named network namespace (C(/var/run/netns/NAME)) whose interface is made by CNI
    plugins (bridge, ipvlan, macvlan, host-local, loopback ... from Debian's
    containernetworking-plugins), invoked exactly as a container runtime invokes them
    (C(CNI_COMMAND=ADD)/C(DEL), the network config on stdin, C(prevResult) chained through a conflist).
  - Idempotent. A pod whose namespace, interface and config are as asked is left alone; one whose
    config changed is deleted and added again.
  - New network namespaces start with the kernel's compiled-in sysctl defaults, not the host's
    tuning; O(sysctls) are applied inside the pod.
  - The CNI result (addresses, routes) is kept in O(state_dir) for the DEL that removes the pod.
author:
  - lowlat.k8snet maintainers (@lowlat)
options:
  name:
    description: Pod name, also the network namespace name and the CNI container id.
    type: str
    required: true
  state:
    description: V(present) creates the pod, V(absent) runs CNI DEL and removes the namespace.
    type: str
    choices: [present, absent]
    default: present
  cni_config:
    description:
      - The CNI network config or conflist (a dict with C(cniVersion), C(name), and C(type) or
        C(plugins)). Required with V(state=present).
    type: dict
  ifname:
    description: Interface name inside the pod.
    type: str
    default: eth0
  cni_path:
    description: Directories of the CNI plugin binaries, separated by colons.
    type: str
    default: /usr/lib/cni:/opt/cni/bin
  sysctls:
    description:
      - Per-namespace sysctls to set inside the pod (name to value). Values as M(lowlat.k8snet.sysctl)
        takes them, in both options; a number, a string, or a list of them (joined with spaces); a
        YAML boolean is refused.
    type: dict
    default: {}
  node_sysctls:
    description:
      - The node's tuning sysctls (name to value). Those under C(net.) that exist inside a network
        namespace are applied in the pod as O(sysctls) are; the others are node-wide (or not
        namespaced on this kernel), are left alone and listed in RV(node_wide). Names outside
        C(net.) are never written from inside a pod, since they would change the whole node.
      - O(sysctls) wins for a name given in both.
    type: dict
    default: {}
  state_dir:
    description: Where each pod's config and CNI result are kept.
    type: path
    default: /var/lib/lowlat-k8snet/pods
attributes:
  check_mode:
    support: full
    description: Reports what would be created, changed or deleted, and does nothing.
  diff_mode:
    support: none
    description: The CNI result is returned instead.
'''

EXAMPLES = r'''
- name: A pod on the bridge cni0 with an address from this node's pod subnet
  lowlat.k8snet.pod:
    name: bench-server
    cni_config:
      cniVersion: 0.4.0
      name: lowlat
      plugins:
        - type: bridge
          bridge: cni0
          isGateway: true
          ipMasq: false
          ipam: {type: host-local, ranges: [[{subnet: 10.244.1.0/24}]], routes: [{dst: 0.0.0.0/0}]}
        - type: loopback
    sysctls:
      net.core.somaxconn: 65535

- name: Delete it
  lowlat.k8snet.pod:
    name: bench-server
    state: absent
'''

RETURN = r'''
netns:
  description: Path of the pod's network namespace.
  returned: always
  type: str
  sample: /var/run/netns/bench-server
addresses:
  description: Addresses the CNI result gave the pod.
  returned: when state is present
  type: list
  elements: str
  sample: [10.244.1.2/24]
result:
  description: The CNI result of the last plugin.
  returned: when state is present
  type: dict
sysctls:
  description: Sysctls inside the pod, before and after.
  returned: when state is present
  type: dict
  sample: {"net.core.somaxconn": {before: "4096", after: "65535"}}
node_wide:
  description: Names of O(node_sysctls) that are not per network namespace, left alone.
  returned: when state is present
  type: list
  elements: str
  sample: [fs.file-max, net.core.netdev_max_backlog]
'''

import json
import os
import subprocess

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.lowlat.k8snet.plugins.module_utils import cni
from ansible_collections.lowlat.k8snet.plugins.module_utils.paths import PODS_DIR
from ansible_collections.lowlat.k8snet.plugins.module_utils.record import atomic_write, read_text
from ansible_collections.lowlat.k8snet.plugins.module_utils.values import normalise, sysctl_value

NETNS_DIR = '/var/run/netns'


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True, check=False)


def interface_exists(name, ifname):
    return run('ip', '-n', name, 'link', 'show', ifname).returncode == 0


def pod_sysctl(name, key, value=None):
    if value is None:
        proc = run('ip', 'netns', 'exec', name, 'sysctl', '-n', key)
        return normalise(proc.stdout) if proc.returncode == 0 else None
    proc = run('ip', 'netns', 'exec', name, 'sysctl', '-w', '%s=%s' % (key, value))
    return proc.returncode == 0 or proc.stderr.strip()


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type='str', required=True),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            cni_config=dict(type='dict'),
            ifname=dict(type='str', default='eth0'),
            cni_path=dict(type='str', default='/usr/lib/cni:/opt/cni/bin'),
            sysctls=dict(type='dict', default={}),
            node_sysctls=dict(type='dict', default={}),
            state_dir=dict(type='path', default=PODS_DIR),
        ),
        required_if=[('state', 'present', ['cni_config'])],
        supports_check_mode=True,
    )
    p = module.params
    try:
        name = cni.check_pod_name(p['name'])
        plugins = cni.plugins_of(p['cni_config']) if p['state'] == 'present' else None
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    try:
        for key, value in list(p['sysctls'].items()) + list(p['node_sysctls'].items()):
            sysctl_value('sysctl %s inside pod %s' % (key, name), value)
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    netns = os.path.join(NETNS_DIR, name)
    state_file = os.path.join(p['state_dir'], name + '.json')
    saved = json.loads(read_text(state_file) or 'null')
    exists = os.path.exists(netns)

    if p['state'] == 'absent':
        if not exists and saved is None:
            module.exit_json(changed=False, netns=netns)
        errors = []
        if not module.check_mode:
            if saved is not None:
                errors = cni.delete(saved['config'], netns, name, saved['ifname'], p['cni_path'],
                                    saved.get('result'))
            if exists:
                proc = run('ip', 'netns', 'del', name)
                if proc.returncode != 0:
                    module.fail_json(msg='ip netns del %s failed: %s' % (name, proc.stderr.strip()))
            if os.path.exists(state_file):
                os.unlink(state_file)
        module.exit_json(changed=True, netns=netns, cni_errors=errors)

    wanted = {'config': p['cni_config'], 'ifname': p['ifname']}
    in_place = (exists and saved is not None and saved.get('config') == wanted['config']
                and saved.get('ifname') == wanted['ifname'] and interface_exists(name, p['ifname']))
    changed = not in_place
    result = saved.get('result') if in_place else None
    if changed and not module.check_mode:
        if saved is not None:
            cni.delete(saved['config'], netns, name, saved['ifname'], p['cni_path'], saved.get('result'))
        if not exists:
            proc = run('ip', 'netns', 'add', name)
            if proc.returncode != 0:
                module.fail_json(msg='ip netns add %s failed: %s' % (name, proc.stderr.strip()))
        try:
            result = cni.add(p['cni_config'], netns, name, p['ifname'], p['cni_path'])
        except cni.CniError as exc:
            module.fail_json(msg='pod %s: %s (plugins: %s)' % (name, exc, ', '.join(x['type'] for x in plugins)))
        wanted['result'] = result
        atomic_write(state_file, json.dumps(wanted, indent=1, sort_keys=True) + '\n', 0o600)

    wanted_sysctls, node_wide = dict(p['sysctls']), []
    for key, value in sorted(p['node_sysctls'].items()):
        if key in wanted_sysctls:
            continue
        if not key.startswith('net.') or (os.path.exists(netns) and pod_sysctl(name, key) is None):
            node_wide.append(key)
        else:
            wanted_sysctls[key] = value
    report = {}
    for key, value in sorted(wanted_sysctls.items()):
        value = sysctl_value(key, value)
        before = pod_sysctl(name, key) if os.path.exists(netns) else None
        report[key] = {'before': before, 'after': value}
        if before != value:
            changed = True
            if not module.check_mode:
                outcome = pod_sysctl(name, key, value)
                if outcome is not True:
                    module.fail_json(msg='sysctl %s=%s inside pod %s failed: %s' % (key, value, name, outcome))
    module.exit_json(changed=changed, netns=netns, addresses=cni.addresses(result), result=result or {},
                     sysctls=report, node_wide=node_wide)


if __name__ == '__main__':
    main()
