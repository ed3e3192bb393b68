#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: host_facts
short_description: Read a host's CPU, NUMA, NIC queue and kernel facts for network tuning
version_added: 0.1.0
description:
  - Reads the host once from sysfs and procfs and returns everything the steering plan needs
    as the fact C(lowlat_k8snet).
  - CPUs (online, possible, isolated), the CPU/core/socket/NUMA topology with hyperthread siblings
    and the NUMA distances, the NICs with their rx/tx queue counts, the IRQs of every queue found by
    the names its driver gives them (ena, gve, mana, mlx4, mlx5, vmxnet3, virtio_net, cxgb4, qlcnic,
    bnx2x, tg3, bnxt_en, the Intel drivers, sfc), the NIC's NUMA node, channel counts and ntuple
    support (through C(ethtool) where it is installed), and the kernel release with the features
    that matter (ipvlan, macvlan, vxlan, bridge, nftables, busy_poll, RFS).
  - Changes nothing on the host.
author:
  - lowlat.k8snet maintainers (@lowlat)
options:
  interfaces:
    description:
      - Interfaces to describe. By default every interface that has queues, except C(lo).
      - An interface that does not exist is an error.
    type: list
    elements: str
extends_documentation_fragment:
  - lowlat.k8snet.sysfs
attributes:
  check_mode:
    support: full
    description: Reads only; runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing is changed, so there is nothing to diff.
  facts:
    support: full
    description: Returns C(ansible_facts.lowlat_k8snet).
'''

EXAMPLES = r'''
- name: Read CPU, NUMA and NIC facts
  lowlat.k8snet.host_facts:

- name: Plan IRQ/RPS/XPS/RFS for the default-route interface
  ansible.builtin.set_fact:
    steering: >-
      {{ lowlat_k8snet.topology | lowlat.k8snet.steering_plan(
           lowlat_k8snet.nics[lowlat_k8snet.default_interface], connections=60000) }}
'''

RETURN = r'''
ansible_facts:
  description: Facts added to the host.
  returned: always
  type: dict
  contains:
    lowlat_k8snet:
      description: The host as the steering plan sees it.
      returned: always
      type: dict
      contains:
        topology:
          description: CPU topology (see the lscpu_topology filter for the keys).
          type: dict
          returned: always
          sample:
            online: 0-35
            possible: 36
            isolated: ''
            nodes: {'0': 0-8,18-26, '1': 9-17,27-35}
            distances: {'0': {'0': 10, '1': 21}, '1': {'0': 21, '1': 10}}
            physical: 0-17
            cores: 18
            threads_per_core: 2
        kernel:
          description: Kernel release, whether modules load, features and how each was found,
            and whether this is the root network namespace.
          type: dict
          returned: always
          sample:
            release: 6.1.0-28-amd64
            features: {ipvlan: true, vxlan: true, nftables: true, busy_poll: true}
            root_netns: true
        nics:
          description:
            - Per interface, queue counts, queue IRQs (C(irqs) flat, C(queues) one list per queue, in
              queue order), found by the driver's own vector names (C(irq_naming) is the driver whose
              names matched, C(msi) when every MSI vector had to be taken, C(none) without IRQs),
              C(irq_note) saying how, and C(excluded_irqs) the device's other vectors with the reason
              each is not a queue (management, mailbox, config, a vector no queue uses).
            - The NIC's NUMA node (null when unknown), driver, bus address (C(bus_info)), speed and MTU.
            - C(channels), from C(ethtool -l) (null without ethtool or channel support), the
              C(max)imum and C(current) rx/tx/other/combined counts; C(ntuple), from C(ethtool -k),
              whether ntuple filters (what aRFS needs) are C(on) and C(supported).
          type: dict
          returned: always
          sample:
            eth0: {name: eth0, rx_queues: 2, tx_queues: 2, irqs: [60, 61], queues: [[60], [61]],
                   irq_naming: ixgbevf, other_irqs: [62],
                   excluded_irqs: [{irq: 62, name: eth0, reason: the device vector named after the interface}],
                   numa_node: null, driver: ixgbevf, bus_info: '0000:00:03.0',
                   channels: {max: {combined: 2}, current: {combined: 2}}, ntuple: {'on': false, supported: false}}
        default_interface:
          description: Interface of the default route, or null.
          type: str
          returned: always
          sample: eth0
        ipv4:
          description: Every interface's IPv4 addresses with their prefix length (C(ip -j -4 addr));
            empty when O(root) is not C(/).
          type: dict
          returned: always
          sample: {eth0: [10.89.7.11/24]}
'''

import json

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.lowlat.k8snet.plugins.module_utils.hostinfo import Host
from ansible_collections.lowlat.k8snet.plugins.module_utils.nic import parse_channels, parse_features


def main():
    module = AnsibleModule(
        argument_spec=dict(
            interfaces=dict(type='list', elements='str'),
            root=dict(type='path', default='/'),
        ),
        supports_check_mode=True,
    )
    host = Host(module.params['root'])
    wanted = module.params['interfaces']
    if wanted:
        present = host.interfaces()
        missing = [name for name in wanted if not host.exists('sys/class/net', name)]
        if missing:
            module.fail_json(msg="interface(s) %s do not exist on this host; interfaces here: %s"
                             % (', '.join(missing), ', '.join(present) or 'none'))
    addresses = None
    if module.params['root'] == '/':
        rc, out, _err = module.run_command(['ip', '-j', '-4', 'addr', 'show'])
        addresses = json.loads(out) if rc == 0 and out.strip() else None
    try:
        facts = host.facts(wanted, addresses)
    except ValueError as exc:
        module.fail_json(msg="cannot read the host: %s" % exc)
    ethtool = module.get_bin_path('ethtool') if module.params['root'] == '/' else None
    for name, nic in facts['nics'].items():
        # channel counts and aRFS (ntuple) support come from the driver, through ethtool
        nic['channels'], nic['ntuple'] = None, None
        if not ethtool:
            continue
        rc, out, _err = module.run_command([ethtool, '-l', name])
        nic['channels'] = parse_channels(out) if rc == 0 else None
        rc, out, _err = module.run_command([ethtool, '-k', name])
        features = parse_features(out) if rc == 0 else {}
        if 'ntuple-filters' in features:
            ntuple = features['ntuple-filters']
            nic['ntuple'] = {'on': ntuple['on'], 'supported': ntuple['on'] or not ntuple['fixed']}
    module.exit_json(changed=False, ansible_facts={'lowlat_k8snet': facts})


if __name__ == '__main__':
    main()
